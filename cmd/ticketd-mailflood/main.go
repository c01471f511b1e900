// Command ticketd-mailflood measures ticketd's memory under a flood of large
// inbound emails: it starts a `ticketd serve` child on loopback (with its own
// SQLite database and a DNS server for the sending domain), sends N emails of
// SIZE bytes at once over SMTP and then over POST /v1/inbound/email, retrying
// each one the server defers (421/452, 503), and reports the child's peak
// resident memory (VmHWM) and how many sends were deferred. Loopback only.
//
//	go build -o /tmp/ticketd ./cmd/ticketd
//	go run ./cmd/ticketd-mailflood -ticketd /tmp/ticketd -n 100 -size 26214400
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/ticketd/ticketd/mail/mailtest"
)

func main() {
	bin := flag.String("ticketd", "ticketd", "the ticketd binary")
	n := flag.Int("n", 100, "emails sent at once")
	size := flag.Int("size", 25<<20, "bytes per email")
	only := flag.String("only", "", "smtp or http (default: both, one after the other)")
	extra := flag.String("args", "", "extra serve flags, space-separated")
	flag.Parse()
	if err := run(*bin, *n, *size, *only, strings.Fields(*extra)); err != nil {
		fmt.Fprintln(os.Stderr, "mailflood:", err)
		os.Exit(1)
	}
}

func freePort() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func run(bin string, n, size int, only string, extra []string) error {
	dir, err := os.MkdirTemp("", "mailflood-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	dns, err := mailtest.StartDNSServer()
	if err != nil {
		return err
	}
	defer dns.Close()
	db := filepath.Join(dir, "flood.db")
	if err := os.Mkdir(filepath.Join(dir, "blobs"), 0o700); err != nil {
		return err
	}
	out, err := exec.Command(bin, "workspace", "create", "--db", db, "--name", "Flood", "--owner-email", "owner@flood.test").Output()
	if err != nil {
		return fmt.Errorf("workspace create: %w", err)
	}
	var ws struct {
		Key string `json:"api_key"`
	}
	if err := json.Unmarshal(out, &ws); err != nil {
		return err
	}
	httpAddr, smtpAddr := freePort(), freePort()
	args := append([]string{"serve", "--db", db, "--addr", httpAddr, "--smtp-addr", smtpAddr,
		"--dns-server", dns.Addr(), "--blob-dir", filepath.Join(dir, "blobs"), "--spool-dir", dir,
		"--smtp-max-connections-per-ip", strconv.Itoa(n)}, extra...)
	cmd := exec.Command(bin, args...)
	logs, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return err
	}
	defer logs.Close()
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	api := "http://" + httpAddr
	for i := 0; ; i++ {
		if r, err := http.Get(api + "/readyz"); err == nil && r.StatusCode == 200 {
			r.Body.Close()
			break
		}
		if i > 300 || cmd.ProcessState != nil {
			b, _ := os.ReadFile(logs.Name())
			return fmt.Errorf("ticketd did not start:\n%s", b)
		}
		time.Sleep(100 * time.Millisecond)
	}
	call := func(method, path string, body any) (map[string]any, error) {
		j, _ := json.Marshal(body)
		req, _ := http.NewRequest(method, api+path, bytes.NewReader(j))
		req.Header.Set("Authorization", "Bearer "+ws.Key)
		req.Header.Set("Content-Type", "application/json")
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			return nil, err
		}
		defer r.Body.Close()
		var o map[string]any
		_ = json.NewDecoder(r.Body).Decode(&o)
		if r.StatusCode >= 300 {
			return o, fmt.Errorf("%s %s: %d %v", method, path, r.StatusCode, o)
		}
		return o, nil
	}
	d, err := call("POST", "/v1/domains", map[string]any{"name": "flood.test"})
	if err != nil {
		return err
	}
	for _, r := range d["dns_records"].([]any) {
		rec := r.(map[string]any)
		dns.SetTXT(rec["name"].(string), rec["value"].(string))
	}
	if _, err := call("POST", "/v1/domains/"+d["id"].(string)+"/verify", nil); err != nil {
		return err
	}
	if _, err := call("POST", "/v1/inboxes", map[string]any{"address": "support@flood.test", "name": "Flood"}); err != nil {
		return err
	}

	pid := cmd.Process.Pid
	base := rssKB(pid, "VmRSS")
	fmt.Printf("ticketd pid %d, resident at rest %d MB; %d emails of %d MiB at once\n", pid, base/1024, n, size>>20)
	for _, way := range []string{"smtp", "http"} {
		if only != "" && only != way {
			continue
		}
		var deferred, failed atomic.Int64
		var peak atomic.Int64
		stop := make(chan struct{})
		go func() {
			for {
				select {
				case <-stop:
					return
				case <-time.After(50 * time.Millisecond):
					if v := rssKB(pid, "VmRSS"); v > peak.Load() {
						peak.Store(v)
					}
				}
			}
		}()
		start := time.Now()
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				id := fmt.Sprintf("<flood-%s-%d-%d@client.test>", way, i, start.UnixNano())
				for attempt := 0; attempt < 200; attempt++ {
					var retry bool
					var err error
					if way == "smtp" {
						retry, err = sendSMTP(smtpAddr, id, size)
					} else {
						retry, err = sendHTTP(api, ws.Key, id, size)
					}
					if err == nil {
						return
					}
					if !retry {
						fmt.Fprintln(os.Stderr, way, "refused for good:", err)
						failed.Add(1)
						return
					}
					deferred.Add(1)
					time.Sleep(time.Duration(500+rand.IntN(1000)) * time.Millisecond)
				}
				failed.Add(1)
			}()
		}
		wg.Wait()
		close(stop)
		fmt.Printf("%-4s: %d emails stored in %v; %d deferred sends retried, %d lost; peak resident %d MB (VmHWM so far %d MB)\n",
			way, n-int(failed.Load()), time.Since(start).Round(time.Second), deferred.Load(), failed.Load(),
			peak.Load()/1024, rssKB(pid, "VmHWM")/1024)
	}
	t, err := call("GET", "/v1/tickets?limit=500", nil)
	if err == nil {
		if items, ok := t["items"].([]any); ok {
			fmt.Printf("tickets stored: %d\n", len(items))
		} else if data, ok := t["data"].([]any); ok {
			fmt.Printf("tickets stored: %d\n", len(data))
		}
	}
	return nil
}

func rssKB(pid int, field string) int64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb
		}
	}
	return 0
}

// message streams one email of about size bytes: a short text and one
// base64 attachment of the same pseudo-random bytes every time (so the blob
// directory keeps one file), written as it is read.
func message(id string, size int) io.Reader {
	pr, pw := io.Pipe()
	go func() {
		w := bufio.NewWriterSize(pw, 64<<10)
		fmt.Fprintf(w, "From: Flood <flood@client.test>\r\nTo: support@flood.test\r\nSubject: flood\r\nMessage-ID: %s\r\n"+
			"MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=FLOOD\r\n\r\n--FLOOD\r\nContent-Type: text/plain\r\n\r\n"+
			"A large attachment.\r\n--FLOOD\r\nContent-Type: application/octet-stream; name=big.bin\r\n"+
			"Content-Transfer-Encoding: base64\r\n\r\n", id)
		rng := rand.New(rand.NewPCG(1, 2))
		raw := make([]byte, 57)
		line := make([]byte, 76)
		for written := 0; written < size-400; written += 78 {
			for i := range raw {
				raw[i] = byte(rng.Uint32())
			}
			base64.StdEncoding.Encode(line, raw)
			w.Write(line)
			w.WriteString("\r\n")
		}
		w.WriteString("--FLOOD--\r\n")
		pw.CloseWithError(w.Flush())
	}()
	return pr
}

func sendSMTP(addr, id string, size int) (retry bool, err error) {
	c, err := smtp.Dial(addr)
	if err != nil {
		return true, err
	}
	defer c.Close()
	temp := func(err error) (bool, error) {
		var se *smtp.SMTPError
		if ok := asSMTP(err, &se); ok {
			return se.Code >= 400 && se.Code < 500, err
		}
		return true, err
	}
	if err := c.Hello("client.test"); err != nil {
		return temp(err)
	}
	if err := c.Mail("flood@client.test", &smtp.MailOptions{Size: int64(size)}); err != nil {
		return temp(err)
	}
	if err := c.Rcpt("support@flood.test", nil); err != nil {
		return temp(err)
	}
	w, err := c.Data()
	if err != nil {
		return temp(err)
	}
	if _, err := io.Copy(w, message(id, size)); err != nil {
		return temp(err)
	}
	if err := w.Close(); err != nil {
		return temp(err)
	}
	_ = c.Quit()
	return false, nil
}

func asSMTP(err error, target **smtp.SMTPError) bool {
	se, ok := err.(*smtp.SMTPError)
	if ok {
		*target = se
	}
	return ok
}

func sendHTTP(api, key, id string, size int) (retry bool, err error) {
	req, _ := http.NewRequestWithContext(context.Background(), "POST", api+"/v1/inbound/email", message(id, size))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "message/rfc822")
	r, err := http.DefaultClient.Do(req)
	if err != nil {
		return true, err
	}
	defer r.Body.Close()
	body, _ := io.ReadAll(r.Body)
	switch {
	case r.StatusCode < 300:
		return false, nil
	case r.StatusCode == 503 || r.StatusCode == 429:
		return true, fmt.Errorf("%d", r.StatusCode)
	}
	return false, fmt.Errorf("%d %s", r.StatusCode, body)
}
