package workflow

import (
	"fmt"
	"slices"
	"strings"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/cerr"
)

// Tags are a managed vocabulary: a tag is created only by someone the
// settings let create tags. A report names its tags by ID, slug or name;
// naming one that does not exist (compared case-insensitively) creates it,
// which needs one of the TagCreatorRoles of the report's desk (ADMIN
// always may, the System viewer too). The directory's createTag, which
// concerns no report, needs a tag-creator role on some desk
// (MayCreateTagsAnywhere).

// MayCreateTag reports whether v may create a tag on a report of s's desk:
// v holds ADMIN, or one of s.TagCreatorRoles on that desk, with a FULL
// token.
func (s Settings) MayCreateTag(v *auth.Viewer) bool {
	if auth.RequireFull(v) != nil {
		return false
	}
	if v.HasRole(auth.Admin, s.DeskID) {
		return true
	}
	return slices.ContainsFunc(s.TagCreatorRoles, func(r auth.Role) bool { return v.HasRole(r, s.DeskID) })
}

// CheckTagCreation returns nil when v may create the tag named name on a
// report of s's desk (MayCreateTag). Otherwise UNAUTHENTICATED or FORBIDDEN
// (a token that is not FULL) as auth.RequireFull says them, or FORBIDDEN with a
// message naming the tag and who creates tags there, which a reporter can act
// on: `The tag "trade policy" does not exist, and on this desk only editors
// create tags: pick an existing tag or ask an editor to create it.` The
// error has no Field; the caller sets the one of its input.
func (s Settings) CheckTagCreation(v *auth.Viewer, name string) error {
	if err := auth.RequireFull(v); err != nil {
		return err
	}
	if s.MayCreateTag(v) {
		return nil
	}
	where := "on this desk"
	if s.DeskID == nil {
		where = "on reports of no desk"
	}
	return cerr.Errorf(cerr.Forbidden, "The tag %q does not exist, and %s only %s create tags: pick an existing tag or ask %s to create it.",
		name, where, rolesPlural(s.TagCreatorRoles), rolesOne(s.TagCreatorRoles))
}

// MayCreateTagsAnywhere reports whether v may create a tag that concerns no
// report (the directory's createTag): v holds ADMIN, or a role that is among
// the TagCreatorRoles of the desk it holds it on. A grant for every desk
// counts for any desk's settings and the no-desk settings. all holds the
// settings of every desk, keyed by desk ID, and those of no desk under 0
// (postgres.SettingsByDeskIDs).
func MayCreateTagsAnywhere(v *auth.Viewer, all map[int64]Settings) bool {
	if auth.RequireFull(v) != nil {
		return false
	}
	for _, g := range v.Grants {
		if g.Role == auth.Admin {
			return true
		}
		for key, s := range all {
			if g.DeskID != nil && key != *g.DeskID {
				continue
			}
			if slices.Contains(s.TagCreatorRoles, g.Role) {
				return true
			}
		}
	}
	return false
}

// CheckDirectoryTagCreation is CheckTagCreation for a tag created on its
// own (MayCreateTagsAnywhere).
func CheckDirectoryTagCreation(v *auth.Viewer, all map[int64]Settings, name string) error {
	if err := auth.RequireFull(v); err != nil {
		return err
	}
	if MayCreateTagsAnywhere(v, all) {
		return nil
	}
	return cerr.Errorf(cerr.Forbidden, "You may not create the tag %q: tags are a managed vocabulary, and no desk you work on lets your role create them. "+
		"Pick an existing tag or ask an editor or an admin to create it.", name)
}

// roleNoun is a role in words: "editor".
func roleNoun(r auth.Role) string { return strings.ToLower(string(r)) }

// rolesPlural names who creates tags: "editors", "reporters and editors",
// "admins" for none.
func rolesPlural(roles []auth.Role) string {
	if len(roles) == 0 {
		return "admins"
	}
	words := make([]string, len(roles))
	for i, r := range roles {
		words[i] = roleNoun(r) + "s"
	}
	return join(words, "and")
}

// rolesOne names one of them: "an editor", "a reporter or an editor",
// "an admin" for none.
func rolesOne(roles []auth.Role) string {
	if len(roles) == 0 {
		return "an admin"
	}
	words := make([]string, len(roles))
	for i, r := range roles {
		w := roleNoun(r)
		article := "a"
		if strings.ContainsRune("aeiou", rune(w[0])) {
			article = "an"
		}
		words[i] = fmt.Sprintf("%s %s", article, w)
	}
	return join(words, "or")
}

// join lists words: "a", "a and b", "a, b and c".
func join(words []string, conj string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " " + conj + " " + words[len(words)-1]
}
