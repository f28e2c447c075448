package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/copydesk/copydesk/internal/pgtest"
)

// An operator hands the demo report to an agency and back from the command
// line: the export is the translation as stored; importing it back saves
// it (IN_PROGRESS); importing the same file again is refused, because the
// translation changed since that export, and says so.
func TestXLIFFExportAndImportFromTheCommandLine(t *testing.T) {
	t.Parallel()
	db := []string{"--database-url", pgtest.NewDSN(t), "--log-format", "json"}
	cli(t, append([]string{"demo", "load"}, db...)...).ok(t)
	file := filepath.Join(t.TempDir(), "ja.xlf")
	const slug = "international-technology-trade-conference-qingdao-2020"
	cli(t, append([]string{"xliff", "export", "--locale", "ja", "--report", slug, "--out", file}, db...)...).ok(t)
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), `trgLang="ja"`) || !strings.Contains(string(doc), "国際技術貿易大会・日中韓技術貿易フォーラム、中国東部の青島で開催") {
		t.Fatalf("export:\n%.500s", doc)
	}

	got := cli(t, append([]string{"xliff", "import", "--in", file}, db...)...).ok(t)
	if !strings.Contains(got.stdout, "\tja\t") || !strings.Contains(got.stdout, "IN_PROGRESS") {
		t.Errorf("import printed %q", got.stdout)
	}
	cli(t, append([]string{"xliff", "import", "--in", file}, db...)...).fails(t, "/translation", "nothing was imported")

	cli(t, append([]string{"xliff", "export", "--locale", "ja", "--report", "no-such-report"}, db...)...).fails(t, `no report has the slug "no-such-report"`)
	cli(t, append([]string{"xliff", "export", "--locale", "en", "--report", slug}, db...)...).fails(t, "export it into another locale")
	cli(t, append([]string{"xliff", "export", "--report", slug}, db...)...).fails(t, "--locale is required")
}
