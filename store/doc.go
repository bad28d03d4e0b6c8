// Package store keeps redpebble's keyspace in pebble.
package store
