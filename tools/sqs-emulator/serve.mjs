// Starts fauxqs (an SQS emulator) on 127.0.0.1 only. The fauxqs CLI binds
// 0.0.0.0, so datawald's test harness (internal/sqsemu) starts this wrapper
// instead: `node serve.mjs <port>`. It prints "listening <port>" once ready
// and exits on SIGTERM or SIGINT.
import { buildApp } from 'fauxqs';

const port = Number(process.argv[2] ?? process.env.FAUXQS_PORT ?? 4566);
const app = buildApp({ logger: false });
await app.listen({ port, host: '127.0.0.1' });
console.log(`listening ${port}`);
for (const sig of ['SIGTERM', 'SIGINT']) {
  process.on(sig, async () => {
    await app.close();
    process.exit(0);
  });
}
