package pgembed

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/lib/pq"
)

// lockDataDir makes dir absolute, creates it if missing (created reports
// whether it did), resolves its symlinks and takes the data dir lock. dir is
// the real path of the directory. A permission error says who may use the
// directory (ErrNoAccess).
func lockDataDir(path string) (dir string, created bool, lock *os.File, err error) {
	dir, created, lock, err = lockDir(path)
	if err != nil {
		abs, _ := filepath.Abs(path)
		return "", false, nil, noAccess(abs, err)
	}
	return dir, created, lock, nil
}

// lockDir is lockDataDir without the explanation of permission errors.
func lockDir(path string) (dir string, created bool, lock *os.File, err error) {
	dir, err = filepath.Abs(path)
	if err != nil {
		return "", false, nil, err
	}
	created, err = ensureDir(dir)
	if err != nil {
		return "", false, nil, err
	}
	if dir, err = filepath.EvalSymlinks(dir); err != nil {
		return "", false, nil, err
	}
	lock, err = acquireLock(filepath.Join(dir, lockName))
	if err != nil {
		return "", false, nil, err
	}
	return dir, created, lock, nil
}

// ensureDir creates dir (mode 0700; missing parents 0755) and reports
// whether it did.
func ensureDir(dir string) (bool, error) {
	fi, err := os.Stat(dir)
	if err == nil {
		if !fi.IsDir() {
			return false, fmt.Errorf("data dir %s exists and is not a directory", dir)
		}
		return false, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return false, err
	}
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return false, fmt.Errorf("create data dir: %w", err)
	}
	if err := os.Mkdir(dir, 0o700); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return false, nil
		}
		return false, fmt.Errorf("create data dir: %w", err)
	}
	return true, nil
}

// prepare readies the locked data directory for postgres: makes it reachable
// by the run user, stops an orphaned postgres, reuses or creates the cluster
// and gives PGDATA to the run user.
func (c *Cluster) prepare(ctx context.Context, major int, created bool) error {
	if c.runAs.switchTo {
		if err := c.grantDirAccess(created); err != nil {
			return err
		}
	}
	if err := c.stopOrphan(); err != nil {
		return err
	}
	if err := c.ensureCluster(ctx, major); err != nil {
		return err
	}
	if c.runAs.switchTo {
		if err := chownTree(c.pgdata, c.runAs.uid, c.runAs.gid); err != nil {
			return fmt.Errorf("give %s to user %s: %w", c.pgdata, c.runAs.name, err)
		}
	}
	return nil
}

// ensureCluster reuses the cluster in c.pgdata, or creates one with initdb.
func (c *Cluster) ensureCluster(ctx context.Context, major int) error {
	verFile := filepath.Join(c.pgdata, "PG_VERSION")
	if b, err := os.ReadFile(verFile); err == nil {
		have := strings.TrimSpace(string(b))
		if have != strconv.Itoa(major) {
			return fmt.Errorf("%s holds a PostgreSQL %s cluster but the binaries in %s are PostgreSQL %d: use PostgreSQL %s binaries (Options.BinDir) or upgrade the cluster with pg_upgrade",
				c.pgdata, have, c.binDir, major, have)
		}
		pw, err := os.ReadFile(filepath.Join(c.dir, pwName))
		if err != nil {
			return fmt.Errorf("cluster %s exists but its password file is unreadable: %w", c.pgdata, err)
		}
		c.password = strings.TrimSpace(string(pw))
		if c.password == "" {
			return fmt.Errorf("password file %s is empty", filepath.Join(c.dir, pwName))
		}
		return nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if ents, err := os.ReadDir(c.pgdata); err == nil {
		if len(ents) > 0 {
			return fmt.Errorf("%s exists but is not a PostgreSQL data directory (no PG_VERSION): move it away", c.pgdata)
		}
		if err := os.Remove(c.pgdata); err != nil {
			return err
		}
	}
	return c.initdb(ctx)
}

// initdb creates a new cluster in a scratch directory, writes the password
// file, then renames the scratch directory to c.pgdata, so that c.pgdata
// exists only once it is complete.
func (c *Cluster) initdb(ctx context.Context) error {
	initDir := filepath.Join(c.dir, initSubdir)
	if err := os.RemoveAll(initDir); err != nil {
		return err
	}
	if err := os.Mkdir(initDir, 0o700); err != nil {
		return err
	}
	if err := c.giveToRunUser(initDir); err != nil {
		return err
	}
	var raw [24]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return err
	}
	password := hex.EncodeToString(raw[:])

	pwfile := filepath.Join(c.dir, initPwName)
	if err := os.WriteFile(pwfile, []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	defer os.Remove(pwfile)
	if err := c.giveToRunUser(pwfile); err != nil {
		return err
	}

	args := []string{
		"-D", initDir,
		"-U", superuser,
		"--auth-local=scram-sha-256",
		"--auth-host=scram-sha-256",
		"--pwfile=" + pwfile,
		"-E", "UTF8",
	}
	if c.fast {
		args = append(args, "--no-sync")
	}
	c.log.Info("creating PostgreSQL cluster (initdb)", "pgdata", c.pgdata)
	t0 := time.Now()
	out, err := c.runTool(ctx, "initdb", append(args, "--locale=C.UTF-8")...)
	if err != nil && bytes.Contains(out, []byte("locale")) {
		c.log.Info("locale C.UTF-8 unavailable; retrying initdb with --no-locale")
		if err := os.RemoveAll(initDir); err != nil {
			return err
		}
		if err := os.Mkdir(initDir, 0o700); err != nil {
			return err
		}
		if err := c.giveToRunUser(initDir); err != nil {
			return err
		}
		out, err = c.runTool(ctx, "initdb", append(args, "--no-locale")...)
	}
	if err != nil {
		return fmt.Errorf("initdb failed: %v\n%s", err, bytes.TrimSpace(out))
	}
	c.log.Debug("initdb output", "output", string(out))

	// The password must be on disk before pg/ exists: a cluster without
	// its password would be unusable.
	tmp := filepath.Join(c.dir, pwTmpName)
	if err := os.WriteFile(tmp, []byte(password+"\n"), 0o600); err != nil {
		return err
	}
	if err := syncFile(tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, filepath.Join(c.dir, pwName)); err != nil {
		return err
	}
	if err := os.Rename(initDir, c.pgdata); err != nil {
		return err
	}
	if err := syncFile(c.dir); err != nil {
		return err
	}
	c.password = password
	c.log.Info("PostgreSQL cluster created", "pgdata", c.pgdata, "took", time.Since(t0).Round(time.Millisecond))
	return nil
}

func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// runTool runs one of the PostgreSQL binaries to completion as the run user.
func (c *Cluster) runTool(ctx context.Context, name string, args ...string) ([]byte, error) {
	return c.runToolEnv(ctx, nil, name, args...)
}

// runToolEnv is runTool with env (NAME=value) added to the tool's environment.
func (c *Cluster) runToolEnv(ctx context.Context, env []string, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.binDir, name), args...)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	cmd.Dir = "/"
	cmd.Env = append(childEnv(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Setpgid:    true,
		Pdeathsig:  syscall.SIGKILL,
		Credential: c.runAs.credential(),
	}
	if err := startFromStableThread(cmd); err != nil {
		return nil, err
	}
	err := cmd.Wait()
	return out.Bytes(), err
}

// ensureDatabase creates the default database if it does not exist yet.
func (c *Cluster) ensureDatabase(ctx context.Context) error {
	db, err := sql.Open("postgres", c.DSN("postgres"))
	if err != nil {
		return err
	}
	defer db.Close()
	var exists bool
	if err := db.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, defaultDB).Scan(&exists); err != nil {
		return fmt.Errorf("check for database %s: %w", defaultDB, err)
	}
	if exists {
		return nil
	}
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+pq.QuoteIdentifier(defaultDB)); err != nil {
		return fmt.Errorf("create database %s: %w", defaultDB, err)
	}
	c.log.Info("created database", "name", defaultDB)
	return nil
}
