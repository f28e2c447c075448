// Command codesize prints the shape of the Go tree at the path it is given:
// non-test lines per package, files over 500 lines and functions over 80
// lines, generated files skipped. go run ./scripts/codesize .
package main

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

func main() {
	root := os.Args[1]
	pkgLines := map[string]int{}
	type item struct {
		name string
		n    int
	}
	var files, funcs []item
	filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
		if info.IsDir() && (strings.HasPrefix(info.Name(), ".") && p != root || info.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, _ := os.ReadFile(p)
		if strings.Contains(string(b), "Code generated") && strings.Contains(string(b), "DO NOT EDIT") {
			return nil
		}
		rel, _ := filepath.Rel(root, p)
		n := strings.Count(string(b), "\n")
		pkgLines[filepath.Dir(rel)] += n
		files = append(files, item{rel, n})
		fs := token.NewFileSet()
		f, err := parser.ParseFile(fs, p, b, 0)
		if err != nil {
			return nil
		}
		for _, d := range f.Decls {
			if fd, ok := d.(*ast.FuncDecl); ok {
				l := fs.Position(fd.End()).Line - fs.Position(fd.Pos()).Line + 1
				if l > 80 {
					funcs = append(funcs, item{rel + ":" + fd.Name.Name, l})
				}
			}
		}
		return nil
	})
	var pk []string
	for k := range pkgLines {
		pk = append(pk, k)
	}
	sort.Strings(pk)
	fmt.Println("## non-test lines per package")
	for _, k := range pk {
		fmt.Printf("%6d %s\n", pkgLines[k], k)
	}
	sort.Slice(files, func(i, j int) bool { return files[i].n > files[j].n })
	fmt.Println("## files over 500 lines")
	for _, f := range files {
		if f.n > 500 {
			fmt.Printf("%6d %s\n", f.n, f.name)
		}
	}
	sort.Slice(funcs, func(i, j int) bool { return funcs[i].n > funcs[j].n })
	fmt.Printf("## functions over 80 lines: %d\n", len(funcs))
	for _, f := range funcs {
		fmt.Printf("%6d %s\n", f.n, f.name)
	}
}
