// Command csvr-count prints the number of records (after the header) of each CSV file
// named on its command line, one per line; on an error it says why and exits 1.
package main

import (
	"fmt"
	"os"

	"csvr"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: csvr-count FILE...")
		os.Exit(2)
	}
	for _, path := range os.Args[1:] {
		n, err := csvr.Count(path, nil)
		if err != nil {
			fmt.Fprintln(os.Stderr, "csvr-count:", err)
			os.Exit(1)
		}
		fmt.Println(n)
	}
}
