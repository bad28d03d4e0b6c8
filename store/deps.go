package store
import (
	_ "github.com/cockroachdb/pebble/v2"
	_ "github.com/tidwall/redcon"
	_ "github.com/stretchr/testify/require"
	_ "go.uber.org/goleak"
)
