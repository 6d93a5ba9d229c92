package publisher

import (
	"fmt"
	"strconv"
	"strings"
)

// EnvParallel overrides Publisher.Parallel in the service.
const EnvParallel = "RING_REPO_PARALLEL"

// ParallelFromEnv reads EnvParallel's value: "" gives DefaultParallel.
func ParallelFromEnv(v string) (int, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return DefaultParallel, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 256 {
		return 0, fmt.Errorf("repo-publisher: %s=%q: want the number of S3 requests in flight, 1 to 256 (default %d), e.g. %s=32", EnvParallel, v, DefaultParallel, EnvParallel)
	}
	return n, nil
}
