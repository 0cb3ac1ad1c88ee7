package pipeline

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/useful-pipeline/useful-pipeline/rundir"
)

// TestNoStageOrPathLiterals: stage names live in Registry and run-directory
// paths in rundir's layout, nowhere else. It parses every non-test Go file
// of the module outside registry.go and rundir/ and fails on a string
// literal that is a stage name, names a layout file (e.g. "slow.i32"), or
// is a path through a layout folder (e.g. "cluster/"+method).
func TestNoStageOrPathLiterals(t *testing.T) {
	stageNames := map[string]bool{}
	for _, s := range Registry {
		stageNames[s.Name] = true
	}
	files, folders := map[string]bool{}, map[string]bool{}
	for _, e := range rundir.Layout() {
		parts := strings.Split(strings.TrimSuffix(e.Path, "/"), "/")
		for i, p := range parts {
			if strings.HasPrefix(p, "<") || p == "" {
				continue
			}
			if i == len(parts)-1 && strings.Contains(p, ".") && !strings.HasPrefix(p, ".") {
				files[p] = true
			} else {
				folders[p] = true
			}
		}
	}
	// allowed: literals that share a name with a stage or an artifact but
	// mean something else.
	allowed := map[string][]string{
		filepath.Join("graphs", "contract.go"):             {"evaluate"},     // the SavedModel signature
		filepath.Join("cmd", "useful-pipeline", "main.go"): {"export"},       // the subcommand
		filepath.Join("aggregate", "write.go"):             {"summary.json"}, // the sweep root's summary
	}
	root := filepath.Join("..")
	fset := token.NewFileSet()
	var bad []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			switch rel {
			case "rundir", ".git", ".venv", "testdata", "python_export", "docs":
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || rel == filepath.Join("pipeline", "registry.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			if _, ok := n.(*ast.ImportSpec); ok {
				return false // package paths share words with the layout
			}
			lit, ok := n.(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true
			}
			v, err := strconv.Unquote(lit.Value)
			if err != nil {
				return true
			}
			why := ""
			switch {
			case slices.Contains(allowed[rel], v):
			case stageNames[v]:
				why = "stage name"
			case strings.ContainsAny(v, " \n\t"):
				// Prose (help texts, report sentences) may mention a file;
				// a path built for writing or reading has no spaces.
			default:
				for name := range files {
					if strings.Contains(v, name) {
						why = "run-directory file " + name
					}
				}
				if why == "" && strings.Contains(v, "/") {
					for _, p := range strings.Split(v, "/") {
						if folders[p] {
							why = "run-directory folder " + p
						}
					}
				}
			}
			if why != "" {
				bad = append(bad, fset.Position(lit.Pos()).String()+": "+lit.Value+" ("+why+")")
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range bad {
		t.Error(b)
	}
}
