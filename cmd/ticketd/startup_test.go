package main

import (
	"bytes"
	"errors"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
)

// runBinary runs the built ticketd in dir and returns its stderr, stdout and
// exit status. unprivileged runs it as nobody when the tests run as root, so
// that permission checks mean something (root may write anywhere).
func runBinary(t *testing.T, dir string, unprivileged bool, args ...string) (stderr, stdout string, code int) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Dir = dir
	if unprivileged && os.Geteuid() == 0 {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		code = ee.ExitCode()
	case err != nil:
		t.Fatalf("run %v: %v", args, err)
	}
	return errb.String(), out.String(), code
}

// sharedDir is a directory every user may enter, for the tests run as nobody.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "ticketd-startup")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o777)
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// Every way the database or the blob directory can be unusable gets its own
// message naming the path and the cause, and the failed start creates no
// database.
func TestStartupExplainsEachProblem(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()

	type setup func(t *testing.T, dir string) []string
	cases := []struct {
		name         string
		setup        setup
		unprivileged bool
		want         []string
		noDB         string // a file that must not exist afterwards
	}{
		{name: "missing directory", setup: func(t *testing.T, dir string) []string {
			return []string{"--db", filepath.Join(dir, "nope", "t.db")}
		}, want: []string{"nope/t.db", "directory", "does not exist"}},
		{name: "directory given as --db", setup: func(t *testing.T, dir string) []string {
			return []string{"--db", dir}
		}, want: []string{"is a directory"}},
		{name: "not a database", setup: func(t *testing.T, dir string) []string {
			os.WriteFile(filepath.Join(dir, "t.db"), []byte("hello, I am a text file\n"), 0o644)
			return []string{"--db", filepath.Join(dir, "t.db")}
		}, want: []string{"t.db", "is not a SQLite database"}},
		{name: "damaged database", setup: func(t *testing.T, dir string) []string {
			junk := append([]byte("SQLite format 3\x00"), bytes.Repeat([]byte{0xA5}, 8192)...)
			os.WriteFile(filepath.Join(dir, "t.db"), junk, 0o644)
			return []string{"--db", filepath.Join(dir, "t.db")}
		}, want: []string{"t.db", "SQLite database"}},
		{name: "database directory not writable", unprivileged: true, setup: func(t *testing.T, dir string) []string {
			ro := filepath.Join(dir, "ro")
			os.Mkdir(ro, 0o555)
			return []string{"--db", filepath.Join(ro, "t.db")}
		}, want: []string{"ro/t.db", "not writable", "permission denied"}, noDB: "ro/t.db"},
		{name: "database file not readable", unprivileged: true, setup: func(t *testing.T, dir string) []string {
			p := filepath.Join(dir, "t.db")
			os.WriteFile(p, nil, 0o600) // owned by the test's user, not by nobody
			return []string{"--db", p}
		}, want: []string{"t.db", "permission denied"}},
		{name: "blob directory missing", setup: func(t *testing.T, dir string) []string {
			return []string{"--db", filepath.Join(dir, "t.db"), "--blob-dir", filepath.Join(dir, "blobs")}
		}, want: []string{"--blob-dir", "blobs", "does not exist"}, noDB: "t.db"},
		{name: "blob directory not writable", unprivileged: true, setup: func(t *testing.T, dir string) []string {
			os.Mkdir(filepath.Join(dir, "blobs"), 0o555)
			return []string{"--db", filepath.Join(dir, "t.db"), "--blob-dir", filepath.Join(dir, "blobs")}
		}, want: []string{"blob directory", "blobs", "not writable", "permission denied"}, noDB: "t.db"},
		{name: "port in use", setup: func(t *testing.T, dir string) []string {
			return []string{"--db", filepath.Join(dir, "t.db"), "--addr", busy.Addr().String()}
		}, want: []string{"--addr", busy.Addr().String(), "address already in use"}, noDB: "t.db"},
		{name: "bad --languages", setup: func(t *testing.T, dir string) []string {
			return []string{"--db", filepath.Join(dir, "t.db"), "--languages", "en,zz"}
		}, want: []string{"--languages", "zz"}, noDB: "t.db"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := sharedDir(t)
			args := append([]string{"serve", "--addr", "127.0.0.1:0"}, tc.setup(t, dir)...)
			stderr, _, code := runBinary(t, dir, tc.unprivileged, args...)
			if code == 0 {
				t.Fatalf("serve started; stderr:\n%s", stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr, w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr)
				}
			}
			if strings.Contains(stderr, "unable to open database file") {
				t.Errorf("SQLite's bare message instead of an explanation:\n%s", stderr)
			}
			if tc.noDB != "" {
				if _, err := os.Stat(filepath.Join(dir, tc.noDB)); err == nil {
					t.Errorf("the failed start created %s", tc.noDB)
				}
			}
		})
	}
}

// A command that fails leaves nothing behind: `workspace create` without
// flags does not create ./ticketd.db.
func TestFailedCommandCreatesNothing(t *testing.T) {
	dir := sharedDir(t)
	stderr, _, code := runBinary(t, dir, false, "workspace", "create")
	if code == 0 || !strings.Contains(stderr, "name") {
		t.Fatalf("workspace create without flags: exit %d, %s", code, stderr)
	}
	stderr, _, code = runBinary(t, dir, false, "workspace", "create", "--name", "Acme", "--owner-email", "not-an-email")
	if code == 0 || !strings.Contains(stderr, "owner_email") {
		t.Fatalf("workspace create with a bad email: exit %d, %s", code, stderr)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		t.Errorf("a failed command left %s behind", e.Name())
	}
}

// helpCommands is every command line that takes flags.
var helpCommands = [][]string{{"serve"}, {"migrate"}, {"workspace"}, {"workspace", "create"}, {"workspace", "list"},
	{"key"}, {"key", "create"}, {"backup"}, {"restore"}, {"secret-key"}, {"secret-key", "rotate"}, {"version"}, {"help"}}

// --help and -h on every command print its usage and exit 0.
func TestHelpExitsZero(t *testing.T) {
	dir := sharedDir(t)
	for _, cmd := range helpCommands {
		for _, h := range []string{"--help", "-h"} {
			stderr, stdout, code := runBinary(t, dir, false, append(cmd, h)...)
			if code != 0 {
				t.Errorf("ticketd %s %s: exit %d\n%s", strings.Join(cmd, " "), h, code, stderr)
			}
			if stderr+stdout == "" {
				t.Errorf("ticketd %s %s printed nothing", strings.Join(cmd, " "), h)
			}
		}
	}
	if _, _, code := runBinary(t, dir, false); code != 2 {
		t.Errorf("ticketd without a command: exit %d, want 2", code)
	}
	if entries, _ := os.ReadDir(dir); len(entries) > 0 {
		t.Errorf("--help created %s", entries[0].Name())
	}
}

// `ticketd version` prints what the build recorded: the module version, and
// the VCS revision when the toolchain stamped one; -X main.version wins.
func TestVersionFromBuildInfo(t *testing.T) {
	_, out, code := runBinary(t, t.TempDir(), false, "version")
	if code != 0 || !strings.HasPrefix(out, "ticketd ") || strings.HasPrefix(out, "ticketd dev") {
		t.Fatalf("version printed %q (exit %d), want the build info's module version", out, code)
	}
	if rev := regexp.MustCompile(`[0-9a-f]{40}`).FindString(out); rev != "" {
		head, err := exec.Command("git", "rev-parse", "HEAD").Output()
		if err == nil && strings.TrimSpace(string(head)) != rev {
			t.Errorf("version names revision %s, HEAD is %s", rev, head)
		}
	} else {
		t.Logf("no VCS revision stamped (a worktree or -buildvcs=false): %q", out)
	}
	bin := filepath.Join(t.TempDir(), "ticketd")
	if b, err := exec.Command("go", "build", "-ldflags", "-X main.version=v9.8.7", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, b)
	}
	got, _ := exec.Command(bin, "version").Output()
	if !strings.HasPrefix(string(got), "ticketd v9.8.7") {
		t.Fatalf("with -X main.version: %q", got)
	}
}
