package translation

import (
	"context"
	"maps"
	"slices"

	"github.com/copydesk/copydesk/internal/auth"
	"github.com/copydesk/copydesk/internal/editorial"
	"github.com/copydesk/copydesk/internal/postgres"
)

// Progress is how far a report's translations are.
type Progress struct {
	// Current counts the locales whose translation is current; Total the
	// locales (the target locales and those with a translation, except the
	// report's source locale).
	Current, Total int
	Locales        []LocaleProgress // by locale
}

// LocaleProgress is where a report's translation into Locale stands.
type LocaleProgress struct {
	Locale string
	Status editorial.TranslationStatus // TranslationMissing when there is none
	// Stale: some field is stale. Current: it exists, no field is stale and
	// none is missing.
	Stale, Current bool
}

// TranslationProgress returns, per report of reportIDs (unknown ones are
// absent), how far its translations are: for each locale of targetLocales
// (the deployment's target locales, canonicalised) and each locale it has
// a translation in, except its source locale, the translation's status and
// whether it is stale and current. Newsroom only; a constant number of
// queries.
func (s *Service) TranslationProgress(ctx context.Context, reportIDs []int64, targetLocales []string) (map[int64]Progress, error) {
	if _, err := auth.Gate(ctx); err != nil {
		return nil, err
	}
	targets := make([]string, len(targetLocales))
	for i, l := range targetLocales {
		c, err := editorial.CanonicalLocale(editorial.Path("targetLocales", i), l)
		if err != nil {
			return nil, err
		}
		targets[i] = c
	}
	srcs, err := postgres.TranslationSources(ctx, s.DB, reportIDs)
	if err != nil {
		return nil, err
	}
	trs, err := postgres.TranslationsByReportIDs(ctx, s.DB, postgres.Newsroom, reportIDs)
	if err != nil {
		return nil, err
	}
	var keys []editorial.TranslationKey
	for _, list := range trs {
		for _, t := range list {
			keys = append(keys, translationKey(t))
		}
	}
	states, err := translationStates(ctx, s.DB, keys)
	if err != nil {
		return nil, err
	}
	out := make(map[int64]Progress, len(srcs))
	for id, src := range srcs {
		out[id] = ProgressOf(src.SourceLocale, trs[id], states, targets)
	}
	return out, nil
}

// ProgressOf computes a report's translation progress from its source
// locale, its translations, their states (as TranslationStates returns
// them; absent ones count as not current) and the target locales
// (canonical). It reads nothing, so a caller that already has the states
// (a dataloader shared with ReportTranslation.freshness) computes them once.
func ProgressOf(sourceLocale string, translations []*editorial.Translation, states map[editorial.TranslationKey]*State, targets []string) Progress {
	byLocale := map[string]LocaleProgress{}
	for _, l := range targets {
		byLocale[l] = LocaleProgress{Locale: l, Status: editorial.TranslationMissing}
	}
	for _, t := range translations {
		lp := LocaleProgress{Locale: t.Locale, Status: t.Status}
		if st := states[translationKey(t)]; st != nil {
			lp.Stale, lp.Current = st.Stale, st.Current()
		}
		byLocale[t.Locale] = lp
	}
	delete(byLocale, sourceLocale)
	p := Progress{Total: len(byLocale), Locales: make([]LocaleProgress, 0, len(byLocale))}
	for _, l := range slices.Sorted(maps.Keys(byLocale)) {
		lp := byLocale[l]
		if lp.Current {
			p.Current++
		}
		p.Locales = append(p.Locales, lp)
	}
	return p
}
