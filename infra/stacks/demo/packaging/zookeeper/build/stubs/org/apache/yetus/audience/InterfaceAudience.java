/*
 * Ringmaster build stub: Apache Yetus' audience annotations are not packaged
 * in Debian 11 or 12. ZooKeeper only marks its API with them (documentation,
 * no runtime behaviour), so these declarations stand in for the real jar at
 * compile time. Same names, retention and targets as Yetus 0.12.
 */
package org.apache.yetus.audience;

import java.lang.annotation.Documented;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

public final class InterfaceAudience {
    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    public @interface Public {}

    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    public @interface LimitedPrivate {
        String[] value();
    }

    @Documented
    @Retention(RetentionPolicy.RUNTIME)
    public @interface Private {}

    private InterfaceAudience() {}
}
