package pgembed

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// runUser is who initdb and postgres run as.
type runUser struct {
	name   string
	uid    uint32
	gid    uint32
	groups []uint32
	// switchTo is true when we are root and must switch to this user.
	switchTo bool
}

func (u runUser) credential() *syscall.Credential {
	if !u.switchTo {
		return nil
	}
	return &syscall.Credential{Uid: u.uid, Gid: u.gid, Groups: u.groups}
}

// resolveUser decides who runs initdb and postgres.
func resolveUser(name string, log *slog.Logger) (runUser, error) {
	if os.Geteuid() != 0 {
		if name != "" {
			log.Debug("not running as root: ignoring Options.User; postgres runs as the current user", "user", name)
		}
		return runUser{uid: uint32(os.Geteuid()), gid: uint32(os.Getegid())}, nil
	}
	var u *user.User
	var err error
	if name != "" {
		if u, err = user.Lookup(name); err != nil {
			return runUser{}, fmt.Errorf("look up user %q to run postgres as: %w", name, err)
		}
	} else {
		if u, err = user.Lookup("postgres"); err != nil {
			if u, err = user.Lookup("nobody"); err != nil {
				return runUser{}, errors.New(`running as root, but neither a "postgres" nor a "nobody" user exists to run postgres as (postgres refuses to run as root)`)
			}
		}
	}
	uid, err1 := strconv.ParseUint(u.Uid, 10, 32)
	gid, err2 := strconv.ParseUint(u.Gid, 10, 32)
	if err1 != nil || err2 != nil {
		return runUser{}, fmt.Errorf("user %s has a non-numeric uid/gid", u.Username)
	}
	if uid == 0 {
		return runUser{}, fmt.Errorf("user %s has uid 0: postgres refuses to run as root; choose an unprivileged user", u.Username)
	}
	ru := runUser{name: u.Username, uid: uint32(uid), gid: uint32(gid), switchTo: true}
	if gids, err := u.GroupIds(); err == nil {
		for _, g := range gids {
			if n, err := strconv.ParseUint(g, 10, 32); err == nil {
				ru.groups = append(ru.groups, uint32(n))
			}
		}
	}
	return ru, nil
}

// ourFiles are the only names Start puts in the data directory.
var ourFiles = map[string]bool{
	lockName: true, pwName: true, pwTmpName: true, initPwName: true,
	pgSubdir: true, initSubdir: true, logName: true,
}

// grantDirAccess makes sure the postgres user can reach c.dir. If the
// directory is ours (just created, or holding nothing but our files) and the
// user cannot search it, its group becomes the user's group with g+x (so a
// fresh directory ends up root:postgres 0710). Every parent must already be
// searchable.
func (c *Cluster) grantDirAccess(created bool) error {
	u := c.runAs
	fi, err := os.Stat(c.dir)
	if err != nil {
		return err
	}
	if !canSearch(fi, u) {
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) == os.Geteuid() && (created || onlyOurFiles(c.dir)) {
			if err := os.Chown(c.dir, -1, int(u.gid)); err != nil {
				return fmt.Errorf("give group of %s to %s: %w", c.dir, u.name, err)
			}
			if err := os.Chmod(c.dir, fi.Mode().Perm()|0o010); err != nil {
				return err
			}
			c.log.Debug("made the data dir searchable by the postgres user", "dir", c.dir, "user", u.name)
		}
	}
	for p := c.dir; ; p = filepath.Dir(p) {
		fi, err := os.Stat(p)
		if err != nil {
			return err
		}
		if !canSearch(fi, u) {
			return fmt.Errorf("the %s user (uid %d) cannot reach %s (no search permission on %s): choose a --data-dir it can reach, e.g. under /var/tmp",
				u.name, u.uid, c.dir, p)
		}
		if p == "/" || p == filepath.Dir(p) {
			return nil
		}
	}
}

// canSearch applies the permission bits of a directory to u (ACLs are not
// considered).
func canSearch(fi fs.FileInfo, u runUser) bool {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return true
	}
	perm := fi.Mode().Perm()
	if st.Uid == u.uid {
		return perm&0o100 != 0
	}
	inGroup := st.Gid == u.gid
	for _, g := range u.groups {
		inGroup = inGroup || g == st.Gid
	}
	if inGroup {
		return perm&0o010 != 0
	}
	return perm&0o001 != 0
}

func onlyOurFiles(dir string) bool {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range ents {
		if !ourFiles[e.Name()] {
			return false
		}
	}
	return true
}

// chownTree gives every file under root that is not already uid:gid to uid:gid.
func chownTree(root string, uid, gid uint32) error {
	return filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) { // postgres temp files come and go
				return nil
			}
			return err
		}
		info, err := d.Info()
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid == uid && st.Gid == gid {
			return nil
		}
		if err := os.Lchown(path, int(uid), int(gid)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		return nil
	})
}

func (c *Cluster) giveToRunUser(path string) error {
	if !c.runAs.switchTo {
		return nil
	}
	return os.Chown(path, int(c.runAs.uid), int(c.runAs.gid))
}
