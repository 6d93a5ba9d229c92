package metrics

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/prometheus/client_golang/prometheus"
	"ringmaster.dev/events"
	"ringmaster.dev/kit/presence"
)

// streamTimeout bounds the JetStream requests of one scrape.
const streamTimeout = 4 * time.Second

// Streams collects, at scrape time, the depth of the streams, the lag of
// the services' consumers, the dead letters per service and the live
// instances per service, from JetStream. It covers some services (their
// command streams and consumers, their dead letters and instances) or, given
// none, every service and also the fact and dead-letter streams.
type Streams struct {
	js       jetstream.JetStream
	services []string
	all      bool

	up, messages, bytes, pending, ackPending, redelivered, deadLetters, instances *prometheus.Desc
}

// NewStreams returns a collector over js for services (none: all).
func NewStreams(js jetstream.JetStream, services ...string) *Streams {
	desc := func(name, help string, labels ...string) *prometheus.Desc {
		return prometheus.NewDesc(prometheus.BuildFQName(Namespace, "", name), help, labels, nil)
	}
	s := &Streams{js: js, services: services, all: len(services) == 0,
		up:          desc("jetstream_up", "1 when this scrape could read the streams from JetStream, else 0 (and the stream metrics are missing)."),
		messages:    desc("stream_messages", "Messages in the stream: commands not yet acknowledged, facts kept, dead letters.", "stream"),
		bytes:       desc("stream_bytes", "Bytes the stream's messages take.", "stream"),
		pending:     desc("consumer_pending_messages", "The consumer's lag: messages in its stream not yet delivered to it.", "stream", "consumer"),
		ackPending:  desc("consumer_ack_pending_messages", "Messages delivered to the consumer and not yet acknowledged (being handled).", "stream", "consumer"),
		redelivered: desc("consumer_redelivered_messages", "Messages delivered to the consumer more than once and not yet acknowledged.", "stream", "consumer"),
		deadLetters: desc("dead_letters", "Messages of the service in the dead-letter stream now (ring dlq list).", "service"),
		instances:   desc("service_instances", "Live instances of the service (heartbeats in the last 15 s, what ring status lists).", "service"),
	}
	if s.all {
		s.services = events.Services
	}
	return s
}

// Describe sends the descriptors of every metric Streams may collect.
func (s *Streams) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{s.up, s.messages, s.bytes, s.pending, s.ackPending, s.redelivered, s.deadLetters, s.instances} {
		ch <- d
	}
}

// Collect reads JetStream now. When it cannot, it reports jetstream_up 0
// and nothing else.
func (s *Streams) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), streamTimeout)
	defer cancel()
	var out []prometheus.Metric
	err := s.collect(ctx, func(m prometheus.Metric) { out = append(out, m) })
	up := 1.0
	if err != nil {
		up, out = 0, nil
	}
	ch <- prometheus.MustNewConstMetric(s.up, prometheus.GaugeValue, up)
	for _, m := range out {
		ch <- m
	}
}

func (s *Streams) collect(ctx context.Context, emit func(prometheus.Metric)) error {
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		emit(prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...))
	}
	names := make([]string, 0, len(s.services)+2)
	for _, svc := range s.services {
		names = append(names, events.CommandStream(svc))
	}
	if s.all {
		names = append(names, events.FactStream, events.DeadLetterStream)
	}
	for i, name := range names {
		st, err := s.js.Stream(ctx, name)
		if err != nil {
			return err
		}
		info := st.CachedInfo()
		gauge(s.messages, float64(info.State.Msgs), name)
		gauge(s.bytes, float64(info.State.Bytes), name)
		if i >= len(s.services) {
			continue
		}
		// The service's durable consumer, named after it (bus.Worker).
		svc := s.services[i]
		c, err := st.Consumer(ctx, svc)
		if errors.Is(err, jetstream.ErrConsumerNotFound) {
			continue // the service never ran against this server
		}
		if err != nil {
			return err
		}
		ci := c.CachedInfo()
		gauge(s.pending, float64(ci.NumPending), name, svc)
		gauge(s.ackPending, float64(ci.NumAckPending), name, svc)
		gauge(s.redelivered, float64(ci.NumRedelivered), name, svc)
	}
	dlq, err := s.js.Stream(ctx, events.DeadLetterStream)
	if err != nil {
		return err
	}
	info, err := dlq.Info(ctx, jetstream.WithSubjectFilter(events.DeadLetterSubjects()))
	if err != nil {
		return err
	}
	for _, svc := range s.services {
		gauge(s.deadLetters, float64(info.State.Subjects[events.DeadLetterSubject(svc)]), svc)
	}
	recs, err := presence.List(ctx, s.js)
	if err != nil {
		return err
	}
	for _, svc := range s.services {
		n := 0
		for _, r := range recs {
			if r.Service == svc {
				n++
			}
		}
		gauge(s.instances, float64(n), svc)
	}
	return nil
}
