// A tiny program to ship: it prints one line and exits. Everything it needs
// is in the binary, so it runs on any base, even an empty one.
package main

import "os"

func main() {
	os.Stdout.WriteString("Hello from a container!\n")
}
