package pgembed

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"
)

// StartReplica starts a streaming replica (a hot standby) of c in opts.Dir:
// on first use it copies c with pg_basebackup -R -X stream (which writes
// standby.signal and primary_conninfo, so the copy follows c as it
// changes), then starts postgres on it like Start does, on opts.Port (0:
// a free one). opts.Dir must not be c's directory; opts.Fast, opts.User and
// opts.BinDir are c's. The replica accepts read-only connections with c's
// password (DSN); stop it with Stop. It keeps working across restarts of c:
// the standby reconnects on its own.
//
// c needs wal_level replica or higher (PostgreSQL's default) and a
// replication line for the superuser over TCP in pg_hba.conf, which initdb
// writes by default.
func (c *Cluster) StartReplica(ctx context.Context, opts Options) (*Cluster, error) {
	if opts.Dir == "" {
		return nil, errors.New("pgembed: Options.Dir is required")
	}
	if c.joined != nil {
		return nil, errors.New("pgembed: a replica is started by the cluster's owner, not by a process that joined it")
	}
	log := opts.Logger
	if log == nil {
		log = c.log
	}
	dir, created, lock, err := lockDataDir(opts.Dir)
	if err != nil {
		return nil, err
	}
	if dir == c.dir {
		lock.Close()
		return nil, errors.New("pgembed: a replica needs a directory of its own")
	}
	r := &Cluster{dir: dir, pgdata: filepath.Join(dir, pgSubdir), binDir: c.binDir, password: c.password,
		fast: c.fast, log: log, runAs: c.runAs, lock: lock}
	ok := false
	defer func() {
		if !ok {
			lock.Close()
		}
	}()
	if c.runAs.switchTo {
		if err := r.grantDirAccess(created); err != nil {
			return nil, err
		}
	}
	if err := r.stopOrphan(); err != nil {
		return nil, err
	}
	if err := r.ensureReplicaData(ctx, c); err != nil {
		return nil, err
	}
	if err := r.startServer(ctx, opts.Port); err != nil {
		return nil, err
	}
	ok = true
	return r, nil
}

// ensureReplicaData reuses the standby in r.pgdata, or makes one from
// primary with pg_basebackup (into a scratch directory renamed to pgdata
// once complete, as initdb does).
func (r *Cluster) ensureReplicaData(ctx context.Context, primary *Cluster) error {
	if _, err := os.Stat(filepath.Join(r.pgdata, "standby.signal")); err == nil {
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if _, err := os.Stat(r.pgdata); err == nil {
		return fmt.Errorf("%s exists but is not a standby (no standby.signal): move it away", r.pgdata)
	}
	scratch := filepath.Join(r.dir, initSubdir)
	if err := os.RemoveAll(scratch); err != nil {
		return err
	}
	// pg_basebackup fills an empty directory; the run user owns it, as it
	// will own PGDATA.
	if err := os.Mkdir(scratch, 0o700); err != nil {
		return err
	}
	if err := r.giveToRunUser(scratch); err != nil {
		return err
	}
	// A fast checkpoint: the default spreads it over minutes.
	args := []string{"-D", scratch, "-R", "-X", "stream", "-c", "fast",
		"-h", "127.0.0.1", "-p", strconv.Itoa(primary.port), "-U", superuser}
	if r.fast {
		args = append(args, "--no-sync", "--no-manifest")
	}
	t0 := time.Now()
	out, err := r.runToolEnv(ctx, []string{"PGPASSWORD=" + primary.password}, "pg_basebackup", args...)
	if err != nil {
		return fmt.Errorf("pg_basebackup failed: %v\n%s", err, out)
	}
	if err := os.WriteFile(filepath.Join(r.dir, pwName), []byte(r.password+"\n"), 0o600); err != nil {
		return err
	}
	if err := os.Rename(scratch, r.pgdata); err != nil {
		return err
	}
	r.log.Info("PostgreSQL replica created (pg_basebackup)", "pgdata", r.pgdata, "primary_port", primary.port,
		"took", time.Since(t0).Round(time.Millisecond))
	return nil
}
