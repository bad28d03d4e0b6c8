// Package pubsub is redpebble's publish/subscribe hub.
package pubsub
