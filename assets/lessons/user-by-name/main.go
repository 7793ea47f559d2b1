// This program says which user it runs as.
package main

import (
	"fmt"
	"os"
)

func main() {
	fmt.Printf("Hello, running as uid %d\n", os.Getuid())
}
