package engine

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/temporal"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/bcdr/bcdr/internal/httpserver"
)

// readyTimeout bounds Start when ctx has no earlier deadline.
const readyTimeout = 30 * time.Second

// Server is a running embedded Temporal server.
type Server struct {
	address, uiAddress, namespace string
	// listeners are every port the engine serves: frontend, history, matching, worker, UI.
	listeners []string

	temporal temporal.Server
	logger   slogLogger
	ui       *webUI
	conn     *grpc.ClientConn
	data     *dataDir

	stopOnce sync.Once
	stopErr  error
	health   healthCheck
}

// Start prepares the data folder, starts the server and returns once its
// frontend answers and the namespace is ready. ctx bounds the start only,
// not the server's life: call Stop.
func Start(ctx context.Context, o Options) (*Server, error) {
	began := time.Now()
	o, err := o.withDefaults()
	if err != nil {
		return nil, fmt.Errorf("engine options: %w", err)
	}
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, readyTimeout)
		defer cancel()
	}

	data, err := openDataDir(o.DataDir)
	if err != nil {
		return nil, err
	}
	s := &Server{data: data, namespace: o.Namespace, logger: newSlogLogger(o.Logger)}
	ok := false
	defer func() {
		if !ok {
			_ = s.Stop()
		}
	}()

	p, err := reservePorts(o.IP, o.FrontendPort, o.UIPort)
	if err != nil {
		return nil, err
	}
	s.address = hostPort(dialIP(o.IP), p.frontend)
	for _, port := range []int{p.frontend, p.history, p.matching, p.worker, p.ui} {
		if port != 0 {
			s.listeners = append(s.listeners, hostPort(o.IP, port))
		}
	}

	SetBinaryChecksum() // before the server starts its system workers
	if fresh, err := data.fresh(); err != nil {
		return nil, err
	} else if !fresh {
		if err := checkDatabase(data.dbPath()); err != nil {
			return nil, err // a damaged store would answer ready and lose runs
		}
	}
	sql := sqlConfig(data.dbPath())
	if err := prepareDatabase(data, sql, clusterName, o.Namespace, o.Retention); err != nil {
		return nil, err
	}

	srv, err := temporal.NewServer(
		temporal.WithConfig(serverConfig(o.IP, p, sql)),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithStaticHosts(staticHosts(o.IP, p)),
		temporal.WithLogger(s.logger),
		temporal.WithDynamicConfigClient(dynamicConfig(o)),
	)
	if err != nil {
		return nil, fmt.Errorf("engine: %w", err)
	}
	// A failed Start has already rolled back what it started.
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("engine on %s: %w", s.address, err)
	}
	s.temporal = srv

	if err := s.waitReady(ctx, o); err != nil {
		return nil, err
	}
	if o.UIPort != 0 {
		if s.ui, err = startUI(ctx, o.IP, p.ui, s.address, o.Namespace, o.UICodecEndpoint, httpserver.Default); err != nil {
			return nil, err
		}
		s.uiAddress = hostPort(dialIP(o.IP), p.ui)
	}
	ok = true
	o.Logger.Info("engine ready", "address", s.address, "ui", s.uiAddress, "namespace", s.namespace,
		"data", data.path, "tuned", !o.Untuned, "took", time.Since(began).Round(time.Millisecond))
	return s, nil
}

// waitReady polls the frontend until it serves, then reconciles the
// namespace through it.
func (s *Server) waitReady(ctx context.Context, o Options) error {
	conn, err := grpc.NewClient(s.address, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return fmt.Errorf("engine frontend %s: %w", s.address, err)
	}
	s.conn = conn
	health := healthpb.NewHealthClient(conn)
	wf := workflowservice.NewWorkflowServiceClient(conn)

	err = poll(ctx, func(ctx context.Context) error {
		resp, err := health.Check(ctx, &healthpb.HealthCheckRequest{Service: workflowservice.WorkflowService_ServiceDesc.ServiceName})
		if err != nil {
			return err
		}
		if resp.GetStatus() != healthpb.HealthCheckResponse_SERVING {
			return fmt.Errorf("frontend is %s", resp.GetStatus())
		}
		// Serving is not enough: the namespace must be in its cache.
		_, err = wf.DescribeNamespace(ctx, &workflowservice.DescribeNamespaceRequest{Namespace: o.Namespace})
		return err
	})
	if err != nil {
		return fmt.Errorf("engine frontend %s did not become ready: %w", s.address, err)
	}
	return reconcileNamespace(ctx, wf, operatorservice.NewOperatorServiceClient(conn), o.Namespace, o.Retention)
}

// Listeners are the host:port of every port the engine serves, as bound (0.0.0.0 when it
// listens on all interfaces): the frontend, its internal services and the Web UI. Steps
// must not reach them (package internal/egress).
func (s *Server) Listeners() []string { return s.listeners }

// Address is the host:port of the frontend, for SDK clients and workers.
// When the engine listens on all interfaces (IP 0.0.0.0 or ::) it is the
// loopback address.
func (s *Server) Address() string { return s.address }

// UIAddress is the host:port of the Web UI, or "" when it is not served
// (loopback when listening on all interfaces, like Address).
func (s *Server) UIAddress() string { return s.uiAddress }

// Namespace is the namespace Start prepared.
func (s *Server) Namespace() string { return s.namespace }

// Stop stops the Web UI and the server and releases the data folder. It is
// safe to call more than once; later calls return the first result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() {
		var errs []error
		if s.ui != nil {
			s.ui.stop()
		}
		if s.conn != nil {
			errs = append(errs, s.conn.Close())
		}
		if s.temporal != nil {
			s.logger.stopping.Store(true)
			if err := s.temporal.Stop(); err != nil {
				errs = append(errs, fmt.Errorf("stop engine: %w", err))
			}
		}
		if s.data != nil {
			errs = append(errs, s.data.unlock())
		}
		s.stopErr = errors.Join(errs...)
	})
	return s.stopErr
}

// poll calls try until it succeeds or ctx ends, each call bounded to a
// fraction of a second, with a short pause between calls.
func poll(ctx context.Context, try func(context.Context) error) error {
	const (
		attemptTimeout = 500 * time.Millisecond
		pause          = 10 * time.Millisecond
	)
	for {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err := try(actx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%w (last error: %v)", ctx.Err(), err)
		case <-time.After(pause):
		}
	}
}
