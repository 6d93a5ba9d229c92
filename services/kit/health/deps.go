package health

import (
	"context"
	"fmt"

	"ringmaster.dev/kit/blob"
	"ringmaster.dev/kit/bus"
	"ringmaster.dev/kit/image"
)

// NATS checks that conn is connected and JetStream answers.
func NATS(conn *bus.Conn) Check {
	return func(ctx context.Context) error {
		if !conn.NC.IsConnected() {
			return fmt.Errorf("not connected to NATS (%s)", conn.NC.Status())
		}
		if _, err := conn.JS.AccountInfo(ctx); err != nil {
			return fmt.Errorf("JetStream does not answer: %w", err)
		}
		return nil
	}
}

// S3 checks that the blob store answers and has its bucket.
func S3(store *blob.Store) Check { return store.Ping }

// Docker checks that the Docker daemon answers.
func Docker(ctx context.Context) error {
	c, err := image.Connect(ctx)
	if err != nil {
		return err
	}
	return c.Close()
}
