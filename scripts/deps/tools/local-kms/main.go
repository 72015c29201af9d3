// Command local-kms runs github.com/nsmithuk/local-kms (a fake AWS KMS API)
// bound to a single address.
//
// Upstream's start.go listens on ":"+PORT, i.e. on every interface, and has
// no option to choose the host. This wrapper reads the same environment
// variables as upstream (KMS_ACCOUNT_ID, KMS_REGION, KMS_DATA_PATH,
// KMS_SEED_PATH, PORT) with the same defaults, adds KMS_LISTEN_ADDR (default
// 127.0.0.1:$PORT), and serves upstream's own request handler and seeding
// code. Nothing of the KMS behaviour is reimplemented here.
package main

import (
	"log"
	"net"
	"net/http"
	"os"
	"path/filepath"
	_ "unsafe" // for go:linkname

	"github.com/nsmithuk/local-kms/src"
	"github.com/nsmithuk/local-kms/src/config"
	"github.com/nsmithuk/local-kms/src/data"
)

// seed is upstream's unexported seeding function (src/seed.go), which
// upstream only calls from src.Run together with its all-interfaces listener.
//
//go:linkname seed github.com/nsmithuk/local-kms/src.seed
func seed(path string, database *data.Database)

func envOr(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

func main() {
	config.AWSAccountId = envOr("KMS_ACCOUNT_ID", "111122223333")
	config.AWSRegion = envOr("KMS_REGION", "eu-west-2")
	config.DatabasePath, _ = filepath.Abs(envOr("KMS_DATA_PATH", "/tmp/local-kms"))
	addr := envOr("KMS_LISTEN_ADDR", "127.0.0.1:"+envOr("PORT", "8080"))

	database := data.NewDatabase(config.DatabasePath)
	defer database.Close()
	seed(os.Getenv("KMS_SEED_PATH"), database)

	ln, err := net.Listen("tcp", addr)
	if err != nil {
		log.Fatalf("local-kms: listen %s: %v", addr, err)
	}
	log.Printf("local-kms: account %s, region %s, data %s, listening on %s",
		config.AWSAccountId, config.AWSRegion, config.DatabasePath, ln.Addr())
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		src.HandleRequest(w, r, database)
	})
	if err := http.Serve(ln, handler); err != nil {
		log.Fatalf("local-kms: serve: %v", err)
	}
}
