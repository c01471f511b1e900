package ticketd

// SecretBox seals a secret before it is stored and opens it when it is
// read: DKIM private keys, IMAP passwords, webhook secrets. The store
// applies it to every column that holds one, so that a copy of the database
// (a backup, a stolen disk) does not give those secrets away without the key
// the operator keeps apart. Open returns a value that was stored before
// sealing was configured as it is. Implementations: package secretbox.
type SecretBox interface {
	Seal(plaintext []byte) (string, error)
	Open(sealed string) ([]byte, error)
}
