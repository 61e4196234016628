//go:build !race

package command

// raceEnabled reports whether the race detector, which slows startup
// several times over, is on.
const raceEnabled = false
