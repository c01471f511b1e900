package mailtest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// DovecotPath is where Debian's dovecot-imapd installs the server.
const DovecotPath = "/usr/sbin/dovecot"

// Dovecot is a real Dovecot IMAP server on a loopback port, with a temporary
// configuration and maildir and one user, for tests of IMAP mailboxes.
type Dovecot struct {
	t              testing.TB
	dir, conf      string
	Host           string
	Port           int
	User, Password string
	cmd            *exec.Cmd
}

// NewDovecot starts Dovecot, or skips the test when it is not installed
// (.ci/run installs dovecot-imapd). It stops when the test ends.
func NewDovecot(t testing.TB) *Dovecot {
	t.Helper()
	if _, err := os.Stat(DovecotPath); err != nil {
		t.Skipf("dovecot is not installed (%s): apt-get install dovecot-imapd", DovecotPath)
	}
	mailUser := "dovecot"
	if _, err := user.Lookup(mailUser); err != nil {
		t.Skipf("no %q system user for the maildir: %v", mailUser, err)
	}
	// Dovecot's processes run as its own users, which must reach the
	// directory: not t.TempDir, whose parent is private to root.
	dir, err := os.MkdirTemp("", "ticketd-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	d := &Dovecot{t: t, dir: dir, conf: filepath.Join(dir, "dovecot.conf"), Host: "127.0.0.1", Port: port,
		User: "agent", Password: "app-password-1"}
	conf := fmt.Sprintf(`protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:%[1]s/mail/%%u
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/passwd
}
userdb {
  driver = static
  args = uid=%[3]s gid=%[3]s home=%[1]s/mail/%%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = %[2]d
  }
  inet_listener imaps {
    port = 0
  }
}
service pop3-login {
  inet_listener pop3 {
    port = 0
  }
}
`, dir, port, mailUser)
	if err := os.WriteFile(d.conf, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "passwd"), []byte(d.User+":{PLAIN}"+d.Password+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "mail"), 0o755); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("chown", "-R", mailUser+":"+mailUser, filepath.Join(dir, "mail")).CombinedOutput(); err != nil {
		t.Fatalf("chown maildir: %v %s", err, out)
	}
	d.Start()
	t.Cleanup(d.Stop)
	return d
}

// Addr is "host:port".
func (d *Dovecot) Addr() string { return net.JoinHostPort(d.Host, strconv.Itoa(d.Port)) }

// Start runs the server (again, after Stop) and waits until it accepts.
func (d *Dovecot) Start() {
	d.t.Helper()
	d.cmd = exec.Command(DovecotPath, "-F", "-c", d.conf)
	if err := d.cmd.Start(); err != nil {
		d.t.Fatalf("start dovecot: %v", err)
	}
	for i := 0; ; i++ {
		c, err := net.DialTimeout("tcp", d.Addr(), time.Second)
		if err == nil {
			c.Close()
			return
		}
		if i > 100 {
			log, _ := os.ReadFile(filepath.Join(d.dir, "dovecot.log"))
			d.t.Fatalf("dovecot does not accept on %s: %v\n%s", d.Addr(), err, log)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Stop ends the server and every session, as an outage would.
func (d *Dovecot) Stop() {
	if d.cmd == nil || d.cmd.Process == nil {
		return
	}
	_ = exec.Command(DovecotPath, "-c", d.conf, "stop").Run()
	done := make(chan struct{})
	go func() { _ = d.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = d.cmd.Process.Kill()
		<-done
	}
	d.cmd = nil
}

func (d *Dovecot) client() *imapclient.Client {
	d.t.Helper()
	c, err := imapclient.DialInsecure(d.Addr(), nil)
	if err != nil {
		d.t.Fatal(err)
	}
	if err := c.Login(d.User, d.Password).Wait(); err != nil {
		d.t.Fatal(err)
	}
	return c
}

// Append stores raw in folder, creating the folder when needed, as a mail
// client saving a sent message or a delivery agent filing one does.
func (d *Dovecot) Append(folder string, raw []byte) {
	d.t.Helper()
	c := d.client()
	defer c.Close()
	_ = c.Create(folder, nil).Wait() // exists already: fine
	cmd := c.Append(folder, int64(len(raw)), &imap.AppendOptions{})
	if _, err := cmd.Write(raw); err != nil {
		d.t.Fatal(err)
	}
	if err := cmd.Close(); err != nil {
		d.t.Fatal(err)
	}
	if _, err := cmd.Wait(); err != nil {
		d.t.Fatalf("append to %s: %v", folder, err)
	}
	_ = c.Logout().Wait()
}

// Recreate deletes folder and creates it again, empty, with a new
// UIDVALIDITY.
func (d *Dovecot) Recreate(folder string) {
	d.t.Helper()
	c := d.client()
	defer c.Close()
	if err := c.Delete(folder).Wait(); err != nil {
		d.t.Fatalf("delete %s: %v", folder, err)
	}
	if err := c.Create(folder, nil).Wait(); err != nil {
		d.t.Fatalf("create %s: %v", folder, err)
	}
	_ = c.Logout().Wait()
}

// Create makes an empty folder.
func (d *Dovecot) Create(folder string) {
	d.t.Helper()
	c := d.client()
	defer c.Close()
	if err := c.Create(folder, nil).Wait(); err != nil {
		d.t.Fatalf("create %s: %v", folder, err)
	}
	_ = c.Logout().Wait()
}
