package bench

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"syscall"
)

// peak follows the process's peak resident memory per measurement. Linux
// keeps the high-water mark (VmHWM, what getrusage reports as maxrss) and
// lets a process reset it (clear_refs 5), so each measurement gets the peak
// it caused, not one left by the work before it: the setup (the copy, a
// generated file) does not count. Elsewhere getrusage's maxrss, which only
// grows, is all there is.
type peak struct {
	top    int64
	during string
}

func newPeak() *peak { return &peak{} }

// reset starts a new measurement's high-water mark.
func (p *peak) reset() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// sample reads the high-water mark since the last reset and keeps the
// highest, with the measurement that reached it.
func (p *peak) sample(key string) int64 {
	v := hwm()
	if v > p.top {
		p.top, p.during = v, key
	}
	return v
}

func (p *peak) max() (int64, string) { return p.top, p.during }

// hwm is the peak resident set in bytes.
func hwm() int64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			if f := bytes.Fields(sc.Bytes()); len(f) >= 2 && string(f[0]) == "VmHWM:" {
				if kb, err := strconv.ParseInt(string(f[1]), 10, 64); err == nil {
					return kb << 10
				}
			}
		}
	}
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss << 10 // kilobytes on Linux
}
