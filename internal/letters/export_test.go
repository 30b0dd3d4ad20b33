package letters

import "context"

// SaveLetter and LetterByNumber let tests race two saves of one letter
// deterministically.
func SaveLetter(ctx context.Context, s *Service, l *Letter) error { return saveLetter(ctx, s.db, l) }

func LetterByNumber(ctx context.Context, s *Service, number string) (*Letter, error) {
	return letterByNumber(ctx, s.db, number)
}
