//go:build !linux || !cgo

package ocr

// releaseMemory is a no-op where the C library has no malloc_trim.
func releaseMemory() {}
