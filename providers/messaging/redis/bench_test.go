package redis_test

import (
	"context"
	"errors"
	"testing"
	"time"

	goredis "github.com/redis/go-redis/v9"

	"github.com/eim-byoi/eim/providers/messaging"
	"github.com/eim-byoi/eim/providers/messaging/redis"
	"github.com/eim-byoi/eim/test/msgtest"
	"github.com/eim-byoi/eim/test/testenv"
)

// BenchmarkThroughput compares publish+consume through the adapter with raw go-redis
// (pipelined XADD, XREADGROUP of 32, one XACK per batch read) on the same server, in the same
// run, against two baselines:
//
//   - same-message: the raw client writing the entry the adapter writes for a message — id,
//     key, payload and headers fields, with the adapter's default approximate MAXLEN. The
//     adapter's overhead is this ratio.
//   - payload-only: a bare payload field, no trimming.
func BenchmarkThroughput(b *testing.B) {
	srv := testenv.Redis(b)
	for _, sameMessage := range []bool{true, false} {
		b.Run(map[bool]string{true: "same-message", false: "payload-only"}[sameMessage], func(b *testing.B) {
			for b.Loop() {
				c := namespace(b, srv)
				adapter := msgtest.BusRun(b, open(b, c), "bench")
				rdb := goredis.NewClient(&goredis.Options{Addr: srv.Addr(), Username: srv.User, Password: srv.Password})
				b.Cleanup(func() { _ = rdb.Close() })
				key := c.KeyPrefix + "raw"
				raw := msgtest.Run(b, rawConsumer(b, rdb, key), rawPublisher(rdb, key, sameMessage))
				msgtest.Report(b, adapter, raw)
			}
		})
	}
}

func rawConsumer(b *testing.B, rdb *goredis.Client, key string) func(*msgtest.Clock) func() {
	return func(clock *msgtest.Clock) func() {
		ctx, cancel := context.WithCancel(context.Background())
		if err := rdb.XGroupCreateMkStream(ctx, key, "raw", "$").Err(); err != nil {
			b.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for ctx.Err() == nil {
				res, err := rdb.XReadGroup(ctx, &goredis.XReadGroupArgs{Group: "raw", Consumer: "c", Streams: []string{key, ">"},
					Count: 32, Block: time.Second}).Result()
				if err != nil && !errors.Is(err, goredis.Nil) {
					continue
				}
				for _, s := range res {
					ids := make([]string, 0, len(s.Messages))
					for _, m := range s.Messages {
						p, _ := m.Values["payload"].(string)
						clock.Received([]byte(p))
						ids = append(ids, m.ID)
					}
					if len(ids) > 0 {
						rdb.XAck(ctx, key, "raw", ids...) // one XACK for the batch
					}
				}
			}
		}()
		return func() { cancel(); <-done }
	}
}

func rawPublisher(rdb *goredis.Client, key string, sameMessage bool) func([][]byte) error {
	maxLen := redis.NewConfig().MaxLen
	return func(batch [][]byte) error {
		ctx := context.Background()
		_, err := rdb.Pipelined(ctx, func(p goredis.Pipeliner) error {
			for _, m := range batch {
				if sameMessage {
					p.XAdd(ctx, &goredis.XAddArgs{Stream: key, MaxLen: maxLen, Approx: true,
						Values: []any{"id", messaging.NewID(), "key", "", "payload", m, "headers", "{}"}})
					continue
				}
				p.XAdd(ctx, &goredis.XAddArgs{Stream: key, Values: []any{"payload", m}})
			}
			return nil
		})
		return err
	}
}
