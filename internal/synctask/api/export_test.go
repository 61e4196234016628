package api

// ResetProcessWide forgets the process-wide API, so that a test can start
// from a process where no component has mounted it.
func ResetProcessWide() { processWide = &processAPI{} }
