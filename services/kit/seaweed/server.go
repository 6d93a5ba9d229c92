package seaweed

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Roles of a cluster's servers.
const (
	Master = "master"
	Volume = "volume"
	Filer  = "filer"
	S3     = "s3"
)

// DefaultPorts are weed's own HTTP port of each role; its gRPC port is
// GRPCOffset more.
var DefaultPorts = map[string]int{Master: 9333, Volume: 8080, Filer: 8888, S3: 8333}

// GRPCOffset is how far above its HTTP port weed puts a server's gRPC port.
const GRPCOffset = 10000

// DefaultReplication is the placement code a master gives new volumes:
// "001", one more copy on another volume server of the same rack, so losing
// one volume server loses no object.
const DefaultReplication = "001"

// ErrInvalid marks a server description weed cannot be started from.
var ErrInvalid = errors.New("invalid SeaweedFS server")

// Addr is where a weed server is reached: host, HTTP port and gRPC port.
type Addr struct {
	Host       string
	Port, GRPC int
}

// String is weed's notation of a server address, host:port.grpcPort.
func (a Addr) String() string {
	return net.JoinHostPort(a.Host, strconv.Itoa(a.Port)) + "." + strconv.Itoa(a.GRPC)
}

// ParseAddr reads host:port or weed's host:port.grpcPort; without a gRPC
// port it is port+GRPCOffset, as weed's own default.
func ParseAddr(s string) (Addr, error) {
	host, ports, err := net.SplitHostPort(s)
	if err != nil || host == "" {
		return Addr{}, fmt.Errorf("%w: address %q: want host:port or host:port.grpcPort", ErrInvalid, s)
	}
	httpPort, grpcPort, hasGRPC := strings.Cut(ports, ".")
	a := Addr{Host: host}
	if a.Port, err = port(httpPort); err != nil {
		return Addr{}, fmt.Errorf("%w: address %q: %v", ErrInvalid, s, err)
	}
	a.GRPC = a.Port + GRPCOffset
	if hasGRPC {
		if a.GRPC, err = port(grpcPort); err != nil {
			return Addr{}, fmt.Errorf("%w: address %q: gRPC %v", ErrInvalid, s, err)
		}
	}
	if a.GRPC > 65535 {
		return Addr{}, fmt.Errorf("%w: address %q: its gRPC port would be %d; give it: host:port.grpcPort", ErrInvalid, s, a.GRPC)
	}
	return a, nil
}

func port(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > 65535 {
		return 0, fmt.Errorf("port %q is not a number from 1 to 65535", s)
	}
	return n, nil
}

// Server is one weed process of a cluster. Args turns it into weed's command
// line: the one place the cluster's flags are chosen, for the processes
// Start runs and for the containers of infra/compose/cluster.yaml (`ring
// seaweed run`).
type Server struct {
	Role string
	// Self is where the other servers reach this one (weed's -ip) and its
	// ports; Bind the address it listens on ("": Self.Host).
	Self Addr
	Bind string
	// Dir keeps the server's data (master, volume, filer).
	Dir string
	// Master is the master's address (volume, filer); Filer the filer's (s3).
	Master, Filer Addr
	// Replication: the master's placement code ("": DefaultReplication).
	Replication string
	// S3Config is the S3 gateway's identities file (WriteS3Config).
	S3Config string
}

// Args are the server's weed arguments.
func (s Server) Args() ([]string, error) {
	bind := s.Bind
	if bind == "" {
		bind = s.Self.Host
	}
	if s.Self.Host == "" || s.Self.Port == 0 || s.Self.GRPC == 0 {
		return nil, fmt.Errorf("%w: %s has no address (host, port and gRPC port)", ErrInvalid, s.Role)
	}
	need := func(what, v string) error {
		if v == "" {
			return fmt.Errorf("%w: a %s server needs %s", ErrInvalid, s.Role, what)
		}
		return nil
	}
	ports := []string{"-port=" + strconv.Itoa(s.Self.Port), "-port.grpc=" + strconv.Itoa(s.Self.GRPC)}
	var args []string
	switch s.Role {
	case Master:
		repl := s.Replication
		if repl == "" {
			repl = DefaultReplication
		}
		// Small volumes: a test's or a small site's disk is not filled by
		// preallocated space.
		args = []string{"master", "-ip=" + s.Self.Host, "-ip.bind=" + bind, "-mdir=" + s.Dir, "-peers=none",
			"-defaultReplication=" + repl, "-volumeSizeLimitMB=64"}
		if err := need("a data directory", s.Dir); err != nil {
			return nil, err
		}
	case Volume:
		// One data center and rack: replication 001 puts the second copy on
		// another server of the same rack. -max=0: as many volumes as the
		// disk holds, keeping 1 GiB free.
		args = []string{"volume", "-ip=" + s.Self.Host, "-ip.bind=" + bind, "-master=" + s.Master.String(), "-dir=" + s.Dir,
			"-max=0", "-dataCenter=dc1", "-rack=rack1", "-minFreeSpace=1GiB"}
		if err := errors.Join(need("a data directory", s.Dir), need("the master's address", s.Master.Host)); err != nil {
			return nil, err
		}
	case Filer:
		args = []string{"filer", "-ip=" + s.Self.Host, "-ip.bind=" + bind, "-master=" + s.Master.String(), "-defaultStoreDir=" + s.Dir}
		if err := errors.Join(need("a data directory", s.Dir), need("the master's address", s.Master.Host)); err != nil {
			return nil, err
		}
	case S3:
		args = []string{"s3", "-ip.bind=" + bind, "-filer=" + s.Filer.String(), "-config=" + s.S3Config}
		if err := errors.Join(need("the filer's address", s.Filer.Host), need("an identities file", s.S3Config)); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("%w: role %q: want %s, %s, %s or %s", ErrInvalid, s.Role, Master, Volume, Filer, S3)
	}
	return append(args, ports...), nil
}

// WriteS3Config writes the S3 gateway's identities file at path (mode 0400:
// it holds the secret): one identity, admin, with these keys.
func WriteS3Config(path, accessKey, secretKey string) error {
	type cred struct {
		AccessKey string `json:"accessKey"`
		SecretKey string `json:"secretKey"`
	}
	type identity struct {
		Name        string   `json:"name"`
		Credentials []cred   `json:"credentials"`
		Actions     []string `json:"actions"`
	}
	if accessKey == "" || secretKey == "" {
		return fmt.Errorf("%w: the S3 gateway's identity needs an access key and a secret key", ErrInvalid)
	}
	b, err := json.Marshal(map[string][]identity{"identities": {{
		Name: "ringmaster", Credentials: []cred{{accessKey, secretKey}},
		Actions: []string{"Admin", "Read", "Write", "List", "Tagging"},
	}}})
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	_ = os.Remove(path)
	if err := os.WriteFile(path, b, 0o400); err != nil {
		return fmt.Errorf("S3 gateway identities: %w", err)
	}
	return nil
}
