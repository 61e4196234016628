package seed

import (
	"strings"
	"unicode"
)

// romaji spells the Japanese names for e-mail addresses and domains.
var romaji = map[string]string{
	"太郎": "taro", "花子": "hanako", "一郎": "ichiro", "さくら": "sakura", "健太": "kenta", "美咲": "misaki",
	"翔": "sho", "陽菜": "hina", "山田": "yamada", "佐藤": "sato", "鈴木": "suzuki", "高橋": "takahashi",
	"田中": "tanaka", "渡辺": "watanabe", "伊藤": "ito", "中村": "nakamura",
}

// foldings spell letters that have a customary ASCII form.
var foldings = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'Ä': "ae", 'Ö': "oe", 'Ü': "ue",
	'é': "e", 'è': "e", 'ê': "e", 'ë': "e", 'É': "e", 'à': "a", 'â': "a", 'á': "a", 'ã': "a",
	'î': "i", 'ï': "i", 'í': "i", 'ô': "o", 'ó': "o", 'õ': "o", 'ú': "u", 'û': "u", 'ù': "u",
	'ç': "c", 'ñ': "n", 'ễ': "e", 'Ó': "o", 'ø': "o",
}

// slug returns an ASCII, lower-case form of s for e-mail local parts and
// domains: "Müller" → "mueller", "O'Brien" → "obrien", "山田" → "yamada".
// Spaces become sep.
func slug(s, sep string) string {
	if r, ok := romaji[s]; ok {
		return r
	}
	var b strings.Builder
	for _, ch := range s {
		switch {
		case ch < unicode.MaxASCII && (unicode.IsLetter(ch) || unicode.IsDigit(ch)):
			b.WriteRune(unicode.ToLower(ch))
		case ch == ' ' || ch == '-':
			if b.Len() > 0 && !strings.HasSuffix(b.String(), sep) {
				b.WriteString(sep)
			}
		default:
			if f, ok := foldings[ch]; ok {
				b.WriteString(f)
			} else if r, ok := romaji[string(ch)]; ok {
				b.WriteString(r)
			}
		}
	}
	return strings.Trim(b.String(), sep)
}
