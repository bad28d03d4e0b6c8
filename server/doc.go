// Package server is redpebble's Redis-protocol front end.
package server
