// Package e2e holds Parley's end-to-end tests: the real gateway, in process
// on loopback, driven through the real widget and agent console in headless
// Chromium.
package e2e
