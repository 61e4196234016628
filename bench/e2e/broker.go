package main

import (
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/twmb/franz-go/pkg/kfake"
)

// runBroker serves an in-memory Kafka (kfake, development only) with topic
// created up front, since the flows' producers do not create topics. It
// prints "broker <host:port>" and serves until SIGTERM or SIGINT. It runs
// as its own process so its CPU and memory are measured apart from
// datawald's.
func runBroker(topic string, partitions int32) error {
	cluster, err := kfake.NewCluster(kfake.NumBrokers(1), kfake.SeedTopics(partitions, topic))
	if err != nil {
		return fmt.Errorf("starting kfake: %w", err)
	}
	defer cluster.Close()
	fmt.Printf("broker %s\n", strings.Join(cluster.ListenAddrs(), ","))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM, os.Interrupt)
	<-sig
	return nil
}
