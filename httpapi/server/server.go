// Package server assembles every HTTP surface of ticketd into one handler:
// health checks, the native API with the comments resource, and the
// compatibility surfaces, behind request ids, logging and panic recovery.
package server

import (
	"log/slog"
	"net/http"

	ticketd "github.com/ticketd/ticketd"
	"github.com/ticketd/ticketd/httpapi"
	"github.com/ticketd/ticketd/httpapi/messages"
	"github.com/ticketd/ticketd/httpapi/native"
	"github.com/ticketd/ticketd/httpapi/shop"
)

// Config is what the handler needs besides the service.
type Config struct {
	Logger       *slog.Logger
	MaxBodyBytes int64
	// MaxEmailBytes bounds a raw email posted to /v1/inbound/email.
	MaxEmailBytes int64
	// Events configures GET /v1/events (its hub, heartbeats).
	Events native.EventsConfig
}

// New returns the handler of every route of ticketd.
func New(svc *ticketd.Service, cfg Config) http.Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := svc.Store().Ping(r.Context()); err != nil {
			cfg.Logger.WarnContext(r.Context(), "not ready", "err", err)
			httpapi.WriteJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "database unavailable"})
			return
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	base := httpapi.Surface{Logger: cfg.Logger, MaxBodyBytes: cfg.MaxBodyBytes, MaxEmailBytes: cfg.MaxEmailBytes}
	nativeHandler := native.Register(mux, svc, base)
	nativeHandler.RegisterEvents(mux, cfg.Events)
	nativeHandler.RegisterWebhooks(mux)
	shop.Register(mux, svc, base)
	messages.Register(mux, svc, base)
	return httpapi.Middleware(cfg.Logger, mux)
}

// WebhookPayload renders a webhook delivery in its webhook's format: the
// native objects for standard, Ticket0's shape for ticket0.
func WebhookPayload(req *ticketd.WebhookRequest) ([]byte, error) {
	if req.Webhook.Format == ticketd.FormatTicket0 {
		return messages.Ticket0Payload(req)
	}
	return native.StandardPayload(req)
}
