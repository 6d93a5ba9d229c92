package doctor

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
)

// Machine is this machine, as the checks read it.
type Machine struct{}

// FreeBytes is the space free to unprivileged users on path's filesystem.
func (Machine) FreeBytes(path string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}

// MemAvailable reads MemAvailable from /proc/meminfo.
func (Machine) MemAvailable() (uint64, error) {
	f, err := os.Open("/proc/meminfo")
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// "MemAvailable:   23656696 kB"
		if f := strings.Fields(sc.Text()); len(f) == 3 && f[0] == "MemAvailable:" && f[2] == "kB" {
			kb, err := strconv.ParseUint(f[1], 10, 64)
			return kb << 10, err
		}
	}
	return 0, errors.New("no MemAvailable in /proc/meminfo")
}

// LookPath finds a command on PATH.
func (Machine) LookPath(cmd string) (string, error) { return exec.LookPath(cmd) }

// Listen opens and closes a TCP listener on addr.
func (Machine) Listen(addr string) error {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	return l.Close()
}

// ReadTools reads infra/deps.list: "PACKAGE COMMAND" lines, # comments.
func ReadTools(path string) ([]Tool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var tools []Tool
	for i, line := range strings.Split(string(b), "\n") {
		line, _, _ = strings.Cut(line, "#")
		f := strings.Fields(line)
		switch len(f) {
		case 0:
			continue
		case 2:
			tools = append(tools, Tool{Package: f[0], Command: f[1]})
		default:
			return nil, fmt.Errorf("%s:%d: want PACKAGE COMMAND, got %q", path, i+1, line)
		}
	}
	return tools, nil
}
