package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"reflect"
	"strconv"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"golang.org/x/sync/errgroup"

	"github.com/earshot/earshot/config"
	"github.com/earshot/earshot/mention"
)

// broker is the connection to NATS: an embedded server with JetStream when
// nats.url is empty, an external server or cluster otherwise. Nothing else
// in earshot knows which.
type broker struct {
	srv    *server.Server // nil with an external server
	unlock func()         // releases the embedded store's lock
	jsCfg  server.JetStreamConfig
	store  string
	sole   bool // no other process can reach the server (redeliverOrphans, workflow.Deps.Alone)
	nc     *nats.Conn
	js     jetstream.JetStream
	log    *slog.Logger

	seen, feeds, cases jetstream.KeyValue
}

// embeddedReadyTimeout bounds how long the embedded server may take to
// recover its JetStream store at start.
const embeddedReadyTimeout = 2 * time.Minute

// openStore opens the store for a command that runs beside the daemon
// (report, backtest, sources test). When the daemon holds the embedded
// store and opened it to other processes with nats.listen, the command
// connects to it there; otherwise it opens the store itself.
func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (*broker, error) {
	b, err := openBroker(ctx, cfg, log)
	if !errors.Is(err, errStoreInUse) {
		return b, err
	}
	if cfg.NATS.Listen == "" {
		return nil, fmt.Errorf("%w: stop the daemon, or set nats.listen in its config so that commands can reach its server", err)
	}
	ext := *cfg
	ext.NATS.URL, ext.NATS.Listen = "nats://"+cfg.NATS.Listen, ""
	return openBroker(ctx, &ext, log)
}

// openBroker starts or connects to NATS and makes sure the streams and
// buckets exist with the configured limits.
func openBroker(ctx context.Context, cfg *config.Config, log *slog.Logger) (*broker, error) {
	b := &broker{log: log}
	var err error
	if cfg.NATS.URL == "" {
		if b.unlock, err = lockStore(cfg.DataDir); err != nil {
			return nil, err
		}
		b.srv, err = startEmbedded(ctx, cfg, log)
		if err != nil {
			b.unlock()
			return nil, err
		}
		b.store = cfg.DataDir
		if jc := b.srv.JetStreamConfig(); jc != nil {
			b.jsCfg = *jc
			b.jsCfg.StoreDir = cfg.DataDir // EnableJetStream appends "jetstream" again
		}
		b.nc, err = nats.Connect("", nats.InProcessServer(b.srv), nats.Name("earshot"), nats.MaxReconnects(-1))
	} else {
		b.nc, err = connectExternal(cfg.NATS, log)
	}
	if err != nil {
		b.shutdownServer()
		return nil, err
	}
	// Listening for no one, the embedded server's only client is this
	// process: the store's lock says no other holds its messages.
	b.sole = b.srv != nil && cfg.NATS.Listen == ""
	b.js, err = jetstream.New(b.nc)
	if err == nil {
		err = b.ensure(ctx, cfg)
	}
	if err != nil {
		b.close()
		return nil, err
	}
	return b, nil
}

// redeliverOrphans makes the messages of stream s that a previous run
// received but did not acknowledge (it crashed or was killed) deliverable
// again at once, instead of after their consumer's ack wait (30 s or a
// minute). It runs at start, before any stage consumes, and only when no
// other process can reach the server (b.sole). A consumer is reset to its
// ack floor only when every message it delivered above the floor is still
// unacknowledged, so that a reset redelivers no message that was already
// handled (one message kept back by its retries, with later ones
// acknowledged, leaves its consumer as it is).
func (b *broker) redeliverOrphans(ctx context.Context, s jetstream.Stream) {
	name := s.CachedInfo().Config.Name
	l := s.ListConsumers(ctx)
	for ci := range l.Info() {
		if !orphaned(ci) {
			continue
		}
		if _, err := s.ResetConsumer(ctx, ci.Name); err != nil {
			b.log.Warn("unacknowledged messages not redelivered; they will be after the ack wait", "stream", name, "consumer", ci.Name, "err", err)
			continue
		}
		b.log.Info("redelivering messages the previous run did not acknowledge", "stream", name, "consumer", ci.Name, "messages", ci.NumAckPending)
	}
	if err := l.Err(); err != nil {
		b.log.Warn("unacknowledged messages not checked; they will be delivered after the ack wait", "stream", name, "err", err)
	}
}

// orphaned reports whether a consumer has unacknowledged messages and
// nothing acknowledged above its ack floor.
func orphaned(ci *jetstream.ConsumerInfo) bool {
	return ci.Config.Durable != "" && ci.Config.AckPolicy == jetstream.AckExplicitPolicy && ci.NumAckPending > 0 &&
		uint64(ci.NumAckPending) == ci.Delivered.Stream-ci.AckFloor.Stream
}

// startEmbedded starts the embedded server and waits until it is ready, it
// gave up (the server's "fatal" errors, such as nats.listen's address being
// taken, stop its start without ending it), or ctx is done.
func startEmbedded(ctx context.Context, cfg *config.Config, log *slog.Logger) (*server.Server, error) {
	opts := &server.Options{
		ServerName: "earshot",
		JetStream:  true,
		StoreDir:   cfg.DataDir,
		SyncAlways: true, // an acknowledged write survives a crash
		NoSigs:     true, // the daemon owns its signals
		DontListen: cfg.NATS.Listen == "",
		// JetStream reserves every stream's and bucket's max_bytes up
		// front; by default it allows only 75% of the disk free at start.
		JetStreamMaxStore: reservedBytes(cfg),
	}
	if l := cfg.NATS.Listen; l != "" {
		host, port, err := net.SplitHostPort(l)
		if err != nil {
			return nil, fmt.Errorf("nats.listen %q: %w", l, err)
		}
		opts.Host = host
		if opts.Port, err = strconv.Atoi(port); err != nil {
			return nil, fmt.Errorf("nats.listen %q: bad port", l)
		}
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("embedded nats server: %w", err)
	}
	fatal := make(chan string, 1)
	srv.SetLoggerV2(natsLogger{log: log.With("component", "nats"), fatal: fatal}, false, false, false)
	go srv.Start()
	if err := waitReady(ctx, srv, fatal); err != nil {
		srv.Shutdown()
		srv.WaitForShutdown()
		what := "data_dir " + cfg.DataDir
		if cfg.NATS.Listen != "" {
			what += ", nats.listen " + cfg.NATS.Listen
		}
		return nil, fmt.Errorf("embedded nats server (%s): %w", what, err)
	}
	log.Info("embedded nats server ready", "store", cfg.DataDir, "listen", cfg.NATS.Listen)
	return srv, nil
}

// readyPoll is how often waitReady looks for a fatal error and for ctx.
const readyPoll = 50 * time.Millisecond

// waitReady waits until srv is ready for connections, reports a fatal
// error of its start, or ctx is done; it gives up after
// embeddedReadyTimeout.
func waitReady(ctx context.Context, srv *server.Server, fatal <-chan string) error {
	deadline := time.Now().Add(embeddedReadyTimeout)
	for !srv.ReadyForConnections(readyPoll) {
		select {
		case msg := <-fatal:
			return errors.New(msg)
		case <-ctx.Done():
			return fmt.Errorf("start interrupted: %w", ctx.Err())
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s", embeddedReadyTimeout)
		}
	}
	return nil
}

func connectExternal(c config.NATS, log *slog.Logger) (*nats.Conn, error) {
	opts := []nats.Option{
		nats.Name("earshot"),
		nats.MaxReconnects(-1),
		nats.ReconnectWait(time.Second),
		nats.ReconnectJitter(500*time.Millisecond, 2*time.Second),
		nats.DisconnectErrHandler(func(_ *nats.Conn, err error) {
			log.Warn("nats disconnected", "err", err)
		}),
		nats.ReconnectHandler(func(nc *nats.Conn) {
			log.Info("nats reconnected", "server", nc.ConnectedServerName())
		}),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) {
			log.Warn("nats error", "err", err)
		}),
	}
	if c.Credentials != "" {
		opts = append(opts, nats.UserCredentials(c.Credentials))
	}
	if c.TLS.CA != "" {
		opts = append(opts, nats.RootCAs(c.TLS.CA))
	}
	if c.TLS.Cert != "" {
		opts = append(opts, nats.ClientCert(c.TLS.Cert, c.TLS.Key))
	}
	nc, err := nats.Connect(c.URL, opts...)
	if err != nil {
		// The URL may carry a user and password: name the servers only.
		return nil, fmt.Errorf("connect to nats (nats.url): %w", err)
	}
	log.Info("connected to nats", "server", nc.ConnectedServerName())
	return nc, nil
}

// streamConfigs returns the streams earshot uses, with explicit limits.
func streamConfigs(cfg *config.Config) []jetstream.StreamConfig {
	// The duplicate window must outlast the longest poll interval, so that a
	// republish after a crash mid-poll is recognised; JetStream requires it
	// to be no longer than the retention.
	dup := min(max(2*cfg.LongestInterval(), 10*time.Minute), cfg.Store.Retention.D())
	base := jetstream.StreamConfig{
		Storage:    jetstream.FileStorage,
		Retention:  jetstream.LimitsPolicy,
		Discard:    jetstream.DiscardOld,
		MaxAge:     cfg.Store.Retention.D(),
		MaxBytes:   int64(cfg.Store.MaxBytes),
		Duplicates: dup,
		Replicas:   cfg.NATS.Replicas,
	}
	mentions, verdicts, events := base, base, base
	mentions.Name, mentions.Subjects = mention.MentionsStream, []string{mention.MentionsPrefix + ">"}
	mentions.Description = "every collected mention, by source"
	verdicts.Name, verdicts.Subjects = mention.VerdictsStream, []string{mention.VerdictsPrefix + ">"}
	verdicts.Description = "every classified mention, by topic"
	events.Name, events.Subjects = mention.EventsStream, []string{mention.EventsPrefix + ">"}
	events.Description = "operational events: source health"
	events.MaxAge = min(30*24*time.Hour, cfg.Store.Retention.D())
	events.MaxBytes = min(64<<20, int64(cfg.Store.MaxBytes))
	events.Duplicates = min(dup, events.MaxAge)
	return []jetstream.StreamConfig{mentions, verdicts, events}
}

func bucketConfigs(cfg *config.Config) []jetstream.KeyValueConfig {
	return []jetstream.KeyValueConfig{
		{Bucket: mention.SeenBucket, Description: "dedup keys of collected items", History: 1,
			TTL: cfg.Store.SeenTTL.D(), MaxBytes: int64(cfg.Store.MaxBytes), Storage: jetstream.FileStorage, Replicas: cfg.NATS.Replicas},
		{Bucket: mention.FeedsBucket, Description: "per-source fetch state", History: 1,
			MaxBytes: min(64<<20, int64(cfg.Store.MaxBytes)), Storage: jetstream.FileStorage, Replicas: cfg.NATS.Replicas},
		{Bucket: mention.CasesBucket, Description: "workflow cases", History: 5,
			TTL: cfg.Store.Retention.D(), MaxBytes: int64(cfg.Store.MaxBytes), Storage: jetstream.FileStorage, Replicas: cfg.NATS.Replicas},
	}
}

// ensure creates or updates the streams and buckets; it is idempotent.
// Each call is retried with a short timeout: when several instances start
// together on a fresh cluster, concurrent creations of the same replicated
// stream can stall until their deadline, while a retry finds the stream
// created.
func (b *broker) ensure(ctx context.Context, cfg *config.Config) error {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	// The six are independent, and creating one waits for its own fsync:
	// do them at once.
	g, gctx := errgroup.WithContext(ctx)
	for _, sc := range streamConfigs(cfg) {
		g.Go(func() error {
			s, _, err := b.ensureStream(gctx, sc)
			if err == nil && b.sole && s.CachedInfo().State.Consumers > 0 {
				b.redeliverOrphans(gctx, s)
			}
			return err
		})
	}
	bcs := bucketConfigs(cfg)
	kvs := make([]jetstream.KeyValue, len(bcs))
	for i, kc := range bcs {
		g.Go(func() error {
			if _, _, err := b.ensureStream(gctx, kvStream(kc)); err != nil {
				return fmt.Errorf("kv bucket %s: %w", kc.Bucket, err)
			}
			return b.retry(gctx, "kv bucket "+kc.Bucket, func(ctx context.Context) (err error) {
				kvs[i], err = b.js.KeyValue(ctx, kc.Bucket)
				return err
			})
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	b.seen, b.feeds, b.cases = kvs[0], kvs[1], kvs[2]
	return nil
}

// ensureStream creates the stream sc, or updates it when its config lacks
// a setting of sc, and reports whether it wrote anything. A daemon usually
// restarts on streams that are already as wanted: reading them costs no
// write and no fsync (updating all six with SyncAlways took ~11 ms of a
// ~35 ms start).
func (b *broker) ensureStream(ctx context.Context, sc jetstream.StreamConfig) (s jetstream.Stream, wrote bool, err error) {
	err = b.retry(ctx, "stream "+sc.Name, func(ctx context.Context) error {
		wrote = false
		var err error
		s, err = b.js.Stream(ctx, sc.Name)
		switch {
		case errors.Is(err, jetstream.ErrStreamNotFound):
			wrote = true
			s, err = b.js.CreateStream(ctx, sc)
			if errors.Is(err, jetstream.ErrStreamNameAlreadyInUse) {
				// Another instance created it meanwhile: compare next time.
				return errStreamRace
			}
			return err
		case err != nil:
			return err
		case configHas(s.CachedInfo().Config, sc):
			return nil
		}
		wrote = true
		s, err = b.js.UpdateStream(ctx, sc)
		return err
	})
	if err != nil {
		return nil, wrote, fmt.Errorf("stream %s: %w", sc.Name, err)
	}
	return s, wrote, nil
}

// errStreamRace makes retry try again after a lost creation race.
var errStreamRace = errors.New("stream created by another instance at the same time")

// configHas reports whether the stream config have holds every setting of
// want: each field want sets (not zero), and every boolean, since false is
// a setting too. Fields want leaves zero are the server's to default.
func configHas(have, want jetstream.StreamConfig) bool {
	hv, wv := reflect.ValueOf(have), reflect.ValueOf(want)
	for i := range wv.NumField() {
		f := wv.Field(i)
		if f.Kind() != reflect.Bool && f.IsZero() {
			continue
		}
		if !reflect.DeepEqual(f.Interface(), hv.Field(i).Interface()) {
			return false
		}
	}
	return true
}

// kvStream is the stream behind a KV bucket, as nats.go would create it,
// except that replicated buckets have no direct gets. Direct gets are
// answered by any replica, which may lag behind the last write: a case
// opened on one server read back from another was "not found", and a
// compare-and-set started from a stale revision. earshot's buckets are
// read-your-writes stores, so with replicas reads go to the stream's
// leader. (Every instance creates the stream with this same config, so no
// two instances flip the setting.)
func kvStream(kc jetstream.KeyValueConfig) jetstream.StreamConfig {
	history := int64(max(kc.History, 1))
	maxBytes := kc.MaxBytes
	if maxBytes == 0 {
		maxBytes = -1
	}
	dup := 2 * time.Minute
	if kc.TTL > 0 && kc.TTL < dup {
		dup = kc.TTL
	}
	return jetstream.StreamConfig{
		Name:              "KV_" + kc.Bucket,
		Description:       kc.Description,
		Subjects:          []string{"$KV." + kc.Bucket + ".>"},
		MaxMsgsPerSubject: history,
		MaxBytes:          maxBytes,
		MaxAge:            kc.TTL,
		MaxMsgSize:        -1,
		Storage:           kc.Storage,
		Replicas:          max(kc.Replicas, 1),
		AllowRollup:       true,
		DenyDelete:        true,
		Duplicates:        dup,
		MaxMsgs:           -1,
		MaxConsumers:      -1,
		AllowDirect:       kc.Replicas < 2,
		Discard:           jetstream.DiscardNew,
	}
}

// retry calls f with a 3s timeout until it succeeds, fails with a
// request error (an API answer with code 400: a config the server refuses),
// or ctx is done. Everything else (timeouts, no responders, a cluster still
// electing its leader) may pass.
func (b *broker) retry(ctx context.Context, what string, f func(context.Context) error) error {
	for wait := 250 * time.Millisecond; ; wait = min(2*wait, 5*time.Second) {
		actx, cancel := context.WithTimeout(ctx, 3*time.Second)
		err := f(actx)
		cancel()
		var apiErr *jetstream.APIError
		if err == nil || errors.As(err, &apiErr) && apiErr.Code == 400 || ctx.Err() != nil {
			return err
		}
		b.log.Warn("jetstream not ready, retrying", "what", what, "err", err, "wait", wait)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// reservedBytes is what the streams and buckets may hold together: the
// embedded server's storage limit is set to it (plus headroom), so that it
// does not refuse them on a disk with less free space than that at start.
// The disk filling up later is handled by watchStore.
func reservedBytes(cfg *config.Config) int64 {
	var sum int64
	for _, sc := range streamConfigs(cfg) {
		sum += sc.MaxBytes
	}
	for _, kc := range bucketConfigs(cfg) {
		sum += kc.MaxBytes
	}
	return sum + 256<<20
}

// The free space under data_dir below which the disk counts as full, and
// from which a JetStream that the embedded server switched off is switched
// on again.
const (
	diskFullBelow   = 1 << 20
	minFreeToResume = 16 << 20
)

// watchStore runs beside the embedded server until ctx is done. When the
// disk under data_dir fills up, writes to the store fail (and some server
// versions switch JetStream off): earshot stays up, says so once, keeps
// what it has not delivered in the stages' retries, and when space is free
// again switches JetStream back on if needed, so the roles resume without a
// restart. With an external server it does nothing: that server's operator
// owns its disk.
func (b *broker) watchStore(ctx context.Context, every time.Duration) error {
	if b.srv == nil {
		<-ctx.Done()
		return nil
	}
	t := time.NewTicker(every)
	defer t.Stop()
	full := false
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
		free, err := freeBytes(b.store)
		enabled := b.srv.JetStreamEnabled()
		switch {
		case !full && (!enabled || err == nil && free < diskFullBelow):
			b.log.Error("store stalled: the disk under data_dir is full; earshot stays up and resumes when space is free",
				"data_dir", b.store, "free_bytes", free, "jetstream", enabled)
			full = true
		case full && err == nil && free >= minFreeToResume:
			// A stream that failed a write refuses further writes until
			// it is loaded again: restart JetStream on the same store.
			if err := b.restartJetStream(enabled); err != nil {
				b.log.Warn("jetstream not restarted yet", "data_dir", b.store, "free_bytes", free, "err", err)
				continue
			}
			b.log.Info("store writable again; work resumes", "data_dir", b.store, "free_bytes", free)
			full = false
		}
	}
}

func (b *broker) restartJetStream(enabled bool) error {
	if enabled {
		if err := b.srv.DisableJetStream(); err != nil {
			return fmt.Errorf("stop jetstream: %w", err)
		}
	}
	cfg := b.jsCfg
	if err := b.srv.EnableJetStream(&cfg); err != nil {
		return fmt.Errorf("start jetstream: %w", err)
	}
	return nil
}

// instance names this process for the workflow's pending cases. With the
// embedded server only one process can hold the store, so a name derived
// from the store's path stays the same across restarts and lets a
// restarted daemon resume its own waiting alerts at once. With an external
// server, several processes share it: each gets a random name.
func (b *broker) instance() string {
	if b.srv == nil {
		return ""
	}
	abs, err := filepath.Abs(b.store)
	if err != nil {
		abs = b.store
	}
	sum := sha256.Sum256([]byte(abs))
	return "embedded-" + hex.EncodeToString(sum[:6])
}

// ready reports whether NATS and JetStream answer.
func (b *broker) ready(ctx context.Context) error {
	if s := b.nc.Status(); s != nats.CONNECTED {
		return fmt.Errorf("nats %s", s)
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := b.js.AccountInfo(ctx); err != nil {
		return fmt.Errorf("jetstream: %w", err)
	}
	return nil
}

// close drains the connection (delivering what is in flight), then shuts
// the embedded server down.
func (b *broker) close() {
	if b.nc != nil && !b.nc.IsClosed() {
		done := make(chan struct{})
		b.nc.SetClosedHandler(func(*nats.Conn) { close(done) })
		if err := b.nc.Drain(); err != nil {
			b.nc.Close()
		} else {
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				b.log.Warn("nats drain timed out")
				b.nc.Close()
			}
		}
	}
	b.shutdownServer()
}

func (b *broker) shutdownServer() {
	if b.srv != nil {
		b.srv.Shutdown()
		b.srv.WaitForShutdown()
		b.srv = nil
	}
	if b.unlock != nil {
		b.unlock()
		b.unlock = nil
	}
}

// natsLogger adapts slog to the NATS server's logger. The server's fatal
// errors also go to fatal, when it is set and has room.
type natsLogger struct {
	log   *slog.Logger
	fatal chan<- string
}

func (l natsLogger) Noticef(f string, v ...any) {
	l.log.Debug("nats notice", "msg", fmt.Sprintf(f, v...))
}
func (l natsLogger) Warnf(f string, v ...any) {
	l.log.Warn("nats warning", "msg", fmt.Sprintf(f, v...))
}
func (l natsLogger) Fatalf(f string, v ...any) {
	msg := fmt.Sprintf(f, v...)
	l.log.Error("nats fatal", "msg", msg)
	if l.fatal != nil {
		select {
		case l.fatal <- msg:
		default:
		}
	}
}
func (l natsLogger) Errorf(f string, v ...any) {
	l.log.Error("nats error", "msg", fmt.Sprintf(f, v...))
}
func (l natsLogger) Debugf(f string, v ...any) {
	l.log.Debug("nats debug", "msg", fmt.Sprintf(f, v...))
}
func (l natsLogger) Tracef(f string, v ...any) {}
