//go:build linux && cgo

package ocr

// #include <malloc.h>
import "C"

// releaseMemory hands the C heap's free pages back to the system.
func releaseMemory() { C.malloc_trim(0) }
