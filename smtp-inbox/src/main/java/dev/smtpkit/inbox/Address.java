package dev.smtpkit.inbox;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.apache.james.mime4j.dom.address.AddressList;
import org.apache.james.mime4j.dom.address.Mailbox;
import org.apache.james.mime4j.field.address.LenientAddressParser;

/**
 * One mailbox of an address header (RFC 5322 §3.4), its display name decoded (RFC 2047): Mailpit's
 * {@code {Name, Address}}. The name is empty when the header gives none.
 */
public record Address(String name, String address) {

    /** Checks the parts. */
    public Address {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(address, "address");
    }

    /**
     * The mailboxes of an address-list header value, groups flattened (RFC 5322 §3.4); what does
     * not parse is skipped, since a catcher shows what it got rather than refusing it.
     */
    static List<Address> parseList(String headerValue) {
        List<Address> out = new ArrayList<>();
        if (headerValue == null || headerValue.isBlank()) {
            return out;
        }
        AddressList list = LenientAddressParser.DEFAULT.parseAddressList(headerValue);
        for (Mailbox m : list.flatten()) {
            out.add(new Address(m.getName() == null ? "" : m.getName(), m.getAddress()));
        }
        return out;
    }

    /** The name and the address as a human reads them: {@code Alice <alice@example.com>}. */
    String display() {
        return name.isEmpty() ? address : name + " <" + address + ">";
    }
}
