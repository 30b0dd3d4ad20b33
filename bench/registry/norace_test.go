//go:build !race

package registrybench

const raceEnabled = false
