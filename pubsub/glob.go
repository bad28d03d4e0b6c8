package pubsub

// maxGlobNesting is the recursion depth past which a match attempt gives up and reports no match, as the "protection
// against abusive patterns" check in Redis's stringmatchlen_impl (util.c). Each non-trailing '*' that is tried costs
// one level.
const maxGlobNesting = 1000

// Match reports whether s matches the glob-style pattern, with exactly the semantics of Redis's stringmatchlen
// (util.c, Redis 7.0), which PSUBSCRIBE, PUBSUB CHANNELS, KEYS and SCAN MATCH use:
//
//   - '*' matches any run of bytes; consecutive stars act as one.
//   - '?' matches any one byte.
//   - '[abc]', '[^abc]' and '[a-z]' are byte classes; a range may be written backwards ('[z-a]'), '\x' inside a class
//     stands for x (compared case-sensitively even when nocase is set), and an unterminated class runs to the end
//     of the pattern. Range bounds are compared as signed bytes, as on x86-64 builds of Redis where C's char is
//     signed: '[a-\xff]' is the range -1..97.
//   - '\x' outside a class matches x literally; a trailing lone backslash matches a backslash.
//   - nocase folds only ASCII letters, as tolower in the C locale.
//   - An empty s matches only an empty pattern (so "*" does not match ""; KEYS special-cases the pattern "*").
//   - A match that needs more than 1000 nested '*' levels fails, as Redis 7.0 does.
//
// Match never allocates and never panics.
func Match(pattern, s []byte, nocase bool) bool {
	g := glob[[]byte]{pat: pattern, nocase: nocase}
	return g.match(0, s, 0)
}

// MatchString is Match for strings, case-sensitive.
func MatchString(pattern, s string) bool {
	g := glob[string]{pat: pattern}
	return g.match(0, s, 0)
}

// glob holds one match attempt. It is generic so that Match and MatchString share the code without converting.
type glob[T ~string | ~[]byte] struct {
	pat    T
	nocase bool
	// hopeless is set once the pattern after some '*' has been tried at every offset of the remaining input and
	// failed. Every enclosing '*' would only try that same tail at later offsets, so they may stop at once; this is
	// Redis's skipLongerMatches and keeps patterns like "*a*a*a*b" linear instead of exponential.
	hopeless bool
}

// match reports whether pat[p:] matches s. depth counts the '*' levels above this call.
func (g *glob[T]) match(p int, s T, depth int) bool {
	if depth > maxGlobNesting {
		return false
	}
	pat := g.pat
	n := len(pat)
	// Both sides must be non-empty to enter the loop: an empty s only matches what is left of the pattern if that
	// is nothing at all. The loop below trims trailing stars itself once it has consumed the last byte of s.
	for p < n && len(s) > 0 {
		switch pat[p] {
		case '*':
			for p+1 < n && pat[p+1] == '*' {
				p++
			}
			if p == n-1 {
				return true // a final star takes whatever is left
			}
			// Let the star take 0, 1, 2... bytes, always leaving at least one for the rest of the pattern.
			for ; len(s) > 0; s = s[1:] {
				if g.match(p+1, s, depth+1) {
					return true
				}
				if g.hopeless {
					return false
				}
			}
			g.hopeless = true
			return false
		case '?':
			// any byte
		case '[':
			end, ok := g.class(p+1, s[0])
			if !ok {
				return false
			}
			p = end
		case '\\':
			if p+1 < n {
				p++ // the escaped byte is a literal; a lone trailing backslash is itself
			}
			if !g.same(pat[p], s[0]) {
				return false
			}
		default:
			if !g.same(pat[p], s[0]) {
				return false
			}
		}
		p++
		s = s[1:]
		if len(s) == 0 {
			// s is used up: only stars may remain.
			for p < n && pat[p] == '*' {
				p++
			}
		}
	}
	return p == n && len(s) == 0
}

// class matches c against the byte class whose body starts at pat[p] (just after the '['). It returns the index of
// the closing ']', or of the pattern's last byte when the class is unterminated, and whether c is accepted.
func (g *glob[T]) class(p int, c byte) (int, bool) {
	pat := g.pat
	n := len(pat)
	negate := p < n && pat[p] == '^'
	if negate {
		p++
	}
	hit := false
	for ; ; p++ {
		switch {
		case p+1 < n && pat[p] == '\\':
			p++
			if pat[p] == c { // escapes inside a class ignore nocase, as Redis does
				hit = true
			}
		case p < n && pat[p] == ']':
			return p, hit != negate
		case p >= n:
			// Unterminated: the class is whatever was left of the pattern.
			return n - 1, hit != negate
		case p+2 < n && pat[p+1] == '-':
			if g.inRange(pat[p], pat[p+2], c) {
				hit = true
			}
			p += 2
		default:
			if g.same(pat[p], c) {
				hit = true
			}
		}
	}
}

// inRange reports whether c lies between the bounds lo and hi, in either order. Bytes are compared as signed values
// (C char on x86-64) and folded after the bounds are ordered, both as stringmatchlen does.
func (g *glob[T]) inRange(lo, hi, c byte) bool {
	a, b, x := int8(lo), int8(hi), int8(c)
	if a > b {
		a, b = b, a
	}
	if g.nocase {
		a, b, x = int8(lower(byte(a))), int8(lower(byte(b))), int8(lower(byte(x)))
	}
	return a <= x && x <= b
}

// same compares two bytes, folding ASCII case when nocase is set.
func (g *glob[T]) same(a, b byte) bool {
	if g.nocase {
		return lower(a) == lower(b)
	}
	return a == b
}

// lower is tolower in the C locale: only 'A'..'Z' change.
func lower(c byte) byte {
	if 'A' <= c && c <= 'Z' {
		return c + ('a' - 'A')
	}
	return c
}
