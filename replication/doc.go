// Package replication follows a Redis master.
package replication
