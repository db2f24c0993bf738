package org.iopfhir.subscriptions;

import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Optional;

/**
 * Where this server may send notifications: an absolute {@code http} or {@code https} URL without user info,
 * whose host does not resolve to this machine (loopback, unless allowed for tests), a link-local address
 * (169.254.0.0/16, fe80::/10: cloud metadata services) or the wildcard address. Checked when a subscription is
 * written and again before each delivery, since a name may resolve differently later (DNS rebinding).
 */
final class EndpointPolicy {

    private final boolean allowLoopback;

    EndpointPolicy(boolean allowLoopback) {
        this.allowLoopback = allowLoopback;
    }

    /** Why the endpoint is refused, or empty when notifications may be sent there. */
    Optional<String> refusal(String endpoint) {
        if (endpoint == null || endpoint.isBlank()) {
            return Optional.of("a rest-hook subscription needs channel.endpoint");
        }
        URI uri;
        try {
            uri = new URI(endpoint.trim());
        } catch (URISyntaxException e) {
            return Optional.of("channel.endpoint is not a URL");
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.of("channel.endpoint must be an http or https URL");
        }
        if (uri.getHost() == null || uri.getHost().isBlank()) {
            return Optional.of("channel.endpoint has no host");
        }
        if (uri.getRawUserInfo() != null) {
            return Optional.of("channel.endpoint must not carry credentials; use channel.header");
        }
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(uri.getHost());
        } catch (UnknownHostException e) {
            return Optional.of("the host of channel.endpoint is not known");
        }
        for (InetAddress address : addresses) {
            if (address.isLinkLocalAddress() || address.isAnyLocalAddress()) {
                return Optional.of("channel.endpoint must not be a link-local or wildcard address");
            }
            if (address.isLoopbackAddress() && !allowLoopback) {
                return Optional.of("channel.endpoint must not be on this server (loopback)");
            }
        }
        return Optional.empty();
    }
}
