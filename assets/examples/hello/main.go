// hello is the smallest Go program worth putting in a container: it prints one line and
// exits. It uses only fmt, so it never needs libc, certificates or time zones, and the
// same binary runs on every base, even scratch.
package main

import "fmt"

func main() {
	fmt.Println("Hello World!")
}
