//go:build race

package registrybench

const raceEnabled = true
