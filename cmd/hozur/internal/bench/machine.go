package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
)

// Machine is what the figures were measured on.
type Machine struct {
	CPU     string `json:"cpu"`
	Cores   int    `json:"cores"`
	RAM     int64  `json:"ram_bytes"`
	OS      string `json:"os"`
	Go      string `json:"go"`
	LoadAvg string `json:"load_average"` // 1, 5 and 15 minutes, when the run started
}

// ThisMachine reads the CPU model, memory, system and load from /proc
// (what it cannot read stays empty).
func ThisMachine() Machine {
	m := Machine{Cores: runtime.NumCPU(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.CPU = field(b, "model name", ":")
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		if kb, err := strconv.ParseInt(strings.TrimSuffix(field(b, "MemTotal", ":"), " kB"), 10, 64); err == nil {
			m.RAM = kb << 10
		}
	}
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		m.OS = strings.Trim(field(b, "PRETTY_NAME", "="), `"`)
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.OS += ", Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.LoadAvg = strings.Join(f[:3], " ")
		}
	}
	return m
}

// String is the machine on one line.
func (m Machine) String() string {
	return fmt.Sprintf("%s, %d cores, %.1f GB RAM, %s, %s, load average %s", m.CPU, m.Cores, float64(m.RAM)/(1<<30), m.OS, m.Go, m.LoadAvg)
}

// field is the value of the first "key<sep>value" line.
func field(b []byte, key, sep string) string {
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), sep)
		if ok && strings.TrimSpace(k) == key {
			return strings.TrimSpace(v)
		}
	}
	return ""
}
