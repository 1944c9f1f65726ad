package config

// The checks below were regular expressions; a bounded repetition such as
// {0,79} compiles into one instruction per repeat, and compiling them at
// start-up cost more than the rest of the package's initialisation.

// IsSlackUserID reports whether s is a Slack user ID: U or W, then at least
// two upper-case letters or digits.
func IsSlackUserID(s string) bool {
	return len(s) >= 3 && (s[0] == 'U' || s[0] == 'W') && upperAlnum(s[1:])
}

// IsSlackChannelID reports whether s is a Slack conversation ID: C, G or
// D, then at least two upper-case letters or digits.
func IsSlackChannelID(s string) bool {
	return len(s) >= 3 && (s[0] == 'C' || s[0] == 'G' || s[0] == 'D') && upperAlnum(s[1:])
}

// IsSlackChannelName reports whether s is a channel name as Slack allows
// it: "#", then 1 to 80 of a-z, 0-9, ".", "_" and "-", not starting with a
// punctuation mark.
func IsSlackChannelName(s string) bool {
	if len(s) < 2 || len(s) > 81 || s[0] != '#' || !lowerAlnum(s[1]) {
		return false
	}
	for i := 2; i < len(s); i++ {
		if c := s[i]; !lowerAlnum(c) && c != '.' && c != '_' && c != '-' {
			return false
		}
	}
	return true
}

// IsSlackChannel reports whether s names a channel or is a conversation ID.
func IsSlackChannel(s string) bool { return IsSlackChannelName(s) || IsSlackChannelID(s) }

// validSourceName reports whether s is 1 to 64 letters, digits, "-" and
// "_", starting with a letter or digit.
func validSourceName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '-' && c != '_') {
			return false
		}
	}
	return true
}

func upperAlnum(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

func lowerAlnum(c byte) bool { return 'a' <= c && c <= 'z' || '0' <= c && c <= '9' }
