package config_test

import (
	"os"
	"strings"
	"testing"

	"github.com/egov/egov/internal/config"
)

// The README's configuration table names every setting, so a new setting
// cannot go undocumented.
func TestREADMEListsEverySetting(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range config.Settings {
		row := "| `-" + s.Flag + "` | `" + s.Env + "` |"
		if !strings.Contains(string(readme), row) {
			t.Errorf("README's configuration table has no row starting %q", row)
		}
	}
}

func TestLoad(t *testing.T) {
	env := map[string]string{"EGOV_ADDR": ":9000", "EGOV_DEMO": "false"}
	cfg, rest, err := config.Load([]string{"-addr", "127.0.0.1:7000", "extra"}, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Addr != "127.0.0.1:7000" {
		t.Errorf("a flag should win over the environment: addr %q", cfg.Addr)
	}
	if cfg.Demo {
		t.Error("EGOV_DEMO=false ignored")
	}
	if cfg.BaseURL != "http://127.0.0.1:7000" {
		t.Errorf("base URL %q", cfg.BaseURL)
	}
	if len(rest) != 1 || rest[0] != "extra" {
		t.Errorf("rest = %v", rest)
	}
	auto, _, err := config.Load(nil, func(k string) string { return map[string]string{"EGOV_DATABASE_URL": "postgres://x"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	if auto.Demo {
		t.Error("demo is on by default with PostgreSQL; auto should turn it off")
	}
	if _, _, err := config.Load([]string{"-shutdown-timeout", "soon"}, func(string) string { return "" }); err == nil {
		t.Error("a bad duration was accepted")
	}
}
