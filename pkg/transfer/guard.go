package transfer

import (
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// errAddressNotAllowed is the cause of a connection the address guard
// refused. Fetch reports it as SourceUnsupported, Put as GenericError.
var errAddressNotAllowed = errors.New("address not allowed")

// blockedPrefixes are ranges, beyond what netip.Addr's predicates cover,
// that a client must not make the service connect to.
var blockedPrefixes = mustPrefixes(
	"0.0.0.0/8",       // "this network"
	"100.64.0.0/10",   // shared address space (CGNAT)
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation
	"203.0.113.0/24",  // documentation
	"240.0.0.0/4",     // reserved, and the broadcast address
	"::/96",           // IPv4-compatible (deprecated), :: and ::1 included
	"100::/64",        // discard-only
	"2001:db8::/32",   // documentation
	"fec0::/10",       // site-local (deprecated)
	"2001::/23",       // IETF protocol assignments (Teredo, ORCHID, ...)
	"64:ff9b:1::/48",  // local-use NAT64
)

// embeddedIPv4 lists IPv6 ranges that carry an IPv4 address a gateway
// translates to, and where in the address it sits.
var embeddedIPv4 = []struct {
	prefix netip.Prefix
	offset int // byte offset of the IPv4 address
}{
	{netip.MustParsePrefix("64:ff9b::/96"), 12}, // NAT64 well-known prefix
	{netip.MustParsePrefix("2002::/16"), 2},     // 6to4
}

func mustPrefixes(ss ...string) []netip.Prefix {
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		ps[i] = netip.MustParsePrefix(s)
	}
	return ps
}

// AddressAllowed reports whether the address guard lets a transfer connect
// to ip: a public unicast address. Loopback, private, link-local, CGNAT,
// unspecified, multicast, reserved and documentation addresses are refused,
// in their IPv4 and IPv4-in-IPv6 forms alike.
func AddressAllowed(ip netip.Addr) bool {
	if !ip.IsValid() {
		return false
	}
	ip = ip.WithZone("").Unmap()
	if ip.IsUnspecified() || ip.IsLoopback() || ip.IsPrivate() ||
		ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() {
		return false
	}
	for _, p := range blockedPrefixes {
		if p.Contains(ip) {
			return false
		}
	}
	if ip.Is6() {
		b := ip.As16()
		for _, e := range embeddedIPv4 {
			if e.prefix.Contains(ip) {
				v4 := netip.AddrFrom4([4]byte(b[e.offset : e.offset+4]))
				if !AddressAllowed(v4) {
					return false
				}
			}
		}
	}
	return true
}

// dialControl returns a net.Dialer Control function that refuses
// connections to addresses allow rejects. It runs for every connection
// attempt, after name resolution, with the address actually dialled.
func dialControl(allow func(netip.AddrPort) bool) func(network, address string, c syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: cannot read dialled address %q", errAddressNotAllowed, address)
		}
		if !allow(ap) {
			return fmt.Errorf("%w: %s", errAddressNotAllowed, ap.Addr().WithZone(""))
		}
		return nil
	}
}

// publicAddrPort is the default rule of the address guard.
func publicAddrPort(ap netip.AddrPort) bool { return AddressAllowed(ap.Addr()) }
