package sqlite_test

import (
	"context"
	"fmt"
	"os"

	"github.com/eim-byoi/eim/providers/storage"
	"github.com/eim-byoi/eim/providers/storage/sqlite"
)

// The embedded default: one file under the data directory.
func Example() {
	dir, _ := os.MkdirTemp("", "eim-example-")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	db, err := storage.Open(ctx, "sqlite", sqlite.NewConfig(), storage.Env{DataDir: dir})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer db.Close()
	fmt.Println(db.Dialect(), db.Migrate(ctx), db.CheckHealth(ctx))
	// Output: sqlite <nil> <nil>
}
