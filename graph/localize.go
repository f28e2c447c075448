package graph

import (
	"context"
	"net/http"
	"sync"

	"github.com/99designs/gqlgen/graphql"

	"github.com/copydesk/copydesk/graph/model"
	"github.com/copydesk/copydesk/internal/cerr"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/locale"
	"github.com/copydesk/copydesk/internal/translation"
)

// Reading a report in another locale. report(locale:) (or Accept-Language)
// returns a copy of the report whose texts come from its translations,
// tried along the deployment's fallback chain, and remembers where each
// value came from; resolvers below that report (attendee roles, people,
// organizations, tags, events) find the chain by walking up the GraphQL
// path, so directory names are localized in the translation's context
// without every type carrying a locale.

// localization records how one report copy was localized.
type localization struct {
	requested string
	chain     []string // locales tried, best first, ending with the source locale
	from      []*model.FieldLocale
}

// localizations maps the localized copies made in one request to how they
// were made; it lives in the request's loader box.
type localizations struct {
	mu   sync.Mutex
	byID map[*editorial.Report]*localization
}

func (l *localizations) get(r *editorial.Report) *localization {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.byID[r]
}

func (l *localizations) put(r *editorial.Report, loc *localization) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.byID == nil {
		l.byID = map[*editorial.Report]*localization{}
	}
	l.byID[r] = loc
}

type acceptLanguageKey struct{}

// withAcceptLanguage keeps the request's Accept-Language preferences.
func withAcceptLanguage(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if h := r.Header.Get("Accept-Language"); h != "" {
			r = r.WithContext(context.WithValue(r.Context(), acceptLanguageKey{}, locale.FromAcceptLanguage(h)))
		}
		next.ServeHTTP(w, r)
	})
}

// wantedLocales returns the locales a read asks for: the argument, else
// the Accept-Language preferences.
func wantedLocales(ctx context.Context, arg *string) ([]string, error) {
	if arg != nil {
		c, err := locale.Canonical(*arg)
		if err != nil {
			return nil, cerr.FieldErrorf(cerr.Invalid, "locale", "%s", err.Error())
		}
		return []string{c}, nil
	}
	prefs, _ := ctx.Value(acceptLanguageKey{}).([]string)
	return prefs, nil
}

// localize returns rep read in the wanted locales: rep itself when that is
// its source locale (or nothing is wanted), else a copy with its texts
// taken from the translations the viewer may see.
func (r *Resolver) localize(ctx context.Context, rep *editorial.Report, wanted []string) (*editorial.Report, error) {
	if !needsLocalizing(rep, wanted) {
		return rep, nil
	}
	list, err := load(ctx, r.loaders(ctx).reportTranslations, rep.ID)
	if err != nil {
		return nil, err
	}
	return r.localizeWith(ctx, rep, list, wanted), nil
}

// localizeAll localizes the reports of a list in place, fetching their
// translations in one batch.
func (r *Resolver) localizeAll(ctx context.Context, reps []*editorial.Report, wanted []string) error {
	var ids []int64
	for _, rep := range reps {
		if needsLocalizing(rep, wanted) {
			ids = append(ids, rep.ID)
		}
	}
	if len(ids) == 0 {
		return nil
	}
	lists, err := loadEach(ctx, r.loaders(ctx).reportTranslations, ids)
	if err != nil {
		return err
	}
	byID := make(map[int64][]*editorial.Translation, len(ids))
	for i, id := range ids {
		byID[id] = lists[i]
	}
	for i, rep := range reps {
		if needsLocalizing(rep, wanted) {
			reps[i] = r.localizeWith(ctx, rep, byID[rep.ID], wanted)
		}
	}
	return nil
}

func needsLocalizing(rep *editorial.Report, wanted []string) bool {
	return rep != nil && len(wanted) > 0 && wanted[0] != rep.SourceLocale
}

// localizeWith makes the localized copy of rep from its translations
// (translation.Localize) and remembers how, for Report.locale and the fields
// below it.
func (r *Resolver) localizeWith(ctx context.Context, rep *editorial.Report, list []*editorial.Translation, wanted []string) *editorial.Report {
	chain := r.Fallbacks.For(wanted, rep.SourceLocale)
	cp, from := translation.Localize(rep, list, chain)
	loc := &localization{requested: wanted[0], chain: chain, from: make([]*model.FieldLocale, len(from))}
	for i, f := range from {
		loc.from[i] = &model.FieldLocale{Field: f.Field, Locale: f.Locale}
	}
	r.loaderBox(ctx).localized.put(cp, loc)
	return cp
}

// localizedAttendees gives a localized report's attendees their roles and
// notes along its chain (translation.LocalizeAttendees), the translations of
// every locale of the chain fetched in one batch.
func (r *Resolver) localizedAttendees(ctx context.Context, rep *editorial.Report, list []*editorial.Attendee) ([]*editorial.Attendee, error) {
	loc := r.loaderBox(ctx).localized.get(rep)
	if loc == nil {
		return list, nil
	}
	translated := loc.chain[:len(loc.chain)-1] // the source locale ends the chain
	keys := make([]editorial.TranslationKey, len(translated))
	for i, l := range translated {
		keys[i] = editorial.TranslationKey{ReportID: rep.ID, Locale: l}
	}
	lists, err := loadEach(ctx, r.loaders(ctx).attendeeTrans, keys)
	if err != nil {
		return nil, err
	}
	byLocale := make(map[string][]*editorial.AttendeeTranslation, len(translated))
	for i, l := range translated {
		byLocale[l] = lists[i]
	}
	return translation.LocalizeAttendees(list, byLocale, loc.chain), nil
}

// contextChain returns the locale chain of the nearest localized report or
// translation above the field being resolved, or nil.
func (r *Resolver) contextChain(ctx context.Context) []string {
	box := r.loaderBox(ctx)
	for fc := graphql.GetFieldContext(ctx); fc != nil; fc = fc.Parent {
		var rep *editorial.Report
		switch v := fc.Result.(type) {
		case *editorial.Report:
			rep = v
		case **editorial.Report: // an item of a list of reports
			rep = *v
		case *editorial.Translation: // names under a translation are in its locale
			return r.Fallbacks.Chain(v.Locale)
		case **editorial.Translation:
			return r.Fallbacks.Chain((*v).Locale)
		default:
			continue
		}
		if loc := box.localized.get(rep); loc != nil {
			return loc.chain
		}
		return nil
	}
	return nil
}

// localName is a directory entry's name in the context's locale chain.
func (r *Resolver) localName(ctx context.Context, names editorial.LocalizedNames, name string) string {
	return names.In(r.contextChain(ctx), name)
}

func (r *Resolver) reportLocale(ctx context.Context, rep *editorial.Report) *model.ReportLocale {
	loc := r.loaderBox(ctx).localized.get(rep)
	if loc == nil {
		return &model.ReportLocale{Chain: []string{rep.SourceLocale}, Fields: []*model.FieldLocale{}, Complete: true}
	}
	complete := true
	for _, f := range loc.from {
		if f.Locale != loc.requested {
			complete = false
		}
	}
	req := loc.requested
	return &model.ReportLocale{Requested: &req, Chain: loc.chain, Fields: loc.from, Complete: complete}
}
