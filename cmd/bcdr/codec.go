package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"

	awsv2 "github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"go.temporal.io/sdk/converter"

	"github.com/bcdr/bcdr/api"
	"github.com/bcdr/bcdr/internal/codec"
	"github.com/bcdr/bcdr/internal/config"
)

// runDataConverter is the converter that reads run inputs back from the engine's
// histories (the API's plans and records, the worker's sweep of ended runs): the payload
// codec's when one is configured (a bad codec configuration already failed the dial),
// else the SDK's default (nil).
func runDataConverter(cfg *config.Config) converter.DataConverter {
	pc, err := payloadCodec(context.Background(), cfg)
	if err != nil || pc == nil {
		return nil
	}
	return codec.DataConverter(pc)
}

// payloadCodec builds the codec the configuration asks for (codec.key, codec.key_file
// or codec.kms_key_id, with codec.previous_keys), or nil when none is configured.
func payloadCodec(ctx context.Context, cfg *config.Config) (*codec.Codec, error) {
	c := cfg.Codec
	if !c.Enabled() {
		return nil, nil
	}
	if c.KMSKeyID != "" {
		client, err := kmsClient(ctx, cfg)
		if err != nil {
			return nil, err
		}
		return codec.New(codec.NewKMS(client, c.KMSKeyID)), nil
	}
	var keys [][]byte
	if c.KeyFile != "" {
		k, err := codec.ReadKeyFile(c.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("config codec.key_file: %w", err)
		}
		keys = append(keys, k)
	} else {
		k, err := codec.ParseKey(c.Key)
		if err != nil {
			return nil, fmt.Errorf("config codec.key: %w", err)
		}
		keys = append(keys, k)
	}
	for _, p := range c.PreviousKeys {
		k, err := codec.ParseKey(p)
		if err != nil {
			return nil, fmt.Errorf("config codec.previous_keys: %w", err)
		}
		keys = append(keys, k)
	}
	ring, err := codec.NewStatic(keys...)
	if err != nil {
		return nil, err
	}
	return codec.New(ring), nil
}

func kmsClient(ctx context.Context, cfg *config.Config) (*kms.Client, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.AWS.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.AWS.Region))
	}
	awsCfg, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("config codec.kms_key_id: AWS configuration: %w", err)
	}
	return kms.NewFromConfig(awsCfg, func(o *kms.Options) {
		if ep := cfg.AWS.Endpoint; ep != "" {
			o.BaseEndpoint = awsv2.String(ep)
		}
	}), nil
}

// codecRole is what a caller must hold (on any service) to decrypt payloads through the
// codec endpoint: payloads hold runbook parameters, secret ones included, so viewers
// are kept out.
const codecRole = api.Operator

// codecEndpoint serves the codec at /codec/encode and /codec/decode for the Temporal Web
// UI and CLI (their codec endpoint is http://<http.address>/codec), authenticated like
// the API: a bearer API token or OIDC token (the Web UI passes its own with
// codec.passAccessToken) whose roles include operator. nil when no codec is configured.
func (a *app) codecEndpoint(ctx context.Context, origins ...string) (http.Handler, error) {
	c, err := payloadCodec(ctx, a.cfg)
	if c == nil || err != nil {
		return nil, err
	}
	auth := api.NewAuthenticator(a.cfg.Auth, a.cfg.GroupsOf, nil)
	return http.StripPrefix("/codec", codec.Handler(c, codec.HandlerOptions{
		Origins: append(append([]string(nil), a.cfg.Codec.Origins...), origins...),
		Authorize: func(r *http.Request) error {
			id, err := auth.Authenticate(r)
			if err != nil {
				return err
			}
			if !id.CanAny(codecRole) {
				return fmt.Errorf("%s may not decrypt payloads (needs role %s): %w", id.Name, codecRole, codec.ErrForbidden)
			}
			return nil
		},
	})), nil
}

// devCodec is bcdr dev's codec endpoint for its own Web UI, which has no login: the
// endpoint's path carries a random token made at start, and the UI's settings hand that
// path to the browser. Whoever can open the dev UI (loopback by default) can decrypt,
// as they can already operate every run there.
type devCodec struct {
	prefix  string // /codec/<token>
	url     string // http://<http address>/codec/<token>, the UI's codec endpoint
	handler http.Handler
}

// newDevCodec prepares the dev endpoint for an HTTP server at httpAddr, or returns nil
// when no codec is configured.
func (a *app) newDevCodec(httpAddr string) (*devCodec, error) {
	if !a.cfg.Codec.Enabled() {
		return nil, nil
	}
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, err
	}
	prefix := "/codec/" + base64.RawURLEncoding.EncodeToString(b[:])
	host, port, err := net.SplitHostPort(httpAddr)
	if err != nil {
		return nil, err
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1" // the browser on this machine
	}
	return &devCodec{prefix: prefix, url: "http://" + net.JoinHostPort(host, port) + prefix}, nil
}

// wrap serves the dev endpoint beside h, once the Web UI's origin is known ("" when the
// UI is off).
func (d *devCodec) wrap(ctx context.Context, a *app, h http.Handler, uiAddress string) (http.Handler, error) {
	c, err := payloadCodec(ctx, a.cfg)
	if err != nil {
		return nil, err
	}
	origins := append([]string(nil), a.cfg.Codec.Origins...)
	if uiAddress != "" {
		origins = append(origins, "http://"+uiAddress)
		if _, port, err := net.SplitHostPort(uiAddress); err == nil {
			origins = append(origins, "http://localhost:"+port)
		}
	}
	d.handler = http.StripPrefix(d.prefix, codec.Handler(c, codec.HandlerOptions{
		Origins:   origins,
		Authorize: func(*http.Request) error { return nil }, // the path's token is the credential
	}))
	mux := http.NewServeMux()
	mux.Handle(d.prefix+"/", d.handler)
	mux.Handle("/", h)
	return mux, nil
}
