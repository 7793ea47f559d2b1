// A tiny program to ship: it prints one line and exits.
package main

import "os"

func main() {
	os.Stdout.WriteString("Hello from a container!\n")
}
