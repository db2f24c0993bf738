package org.iopfhir.server;

import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.BeanDefinitionBuilder;
import org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor;

/**
 * Puts a class of this server in place of one of HAPI's beans, once HAPI's configuration is read (the class
 * is built by Spring from its constructor, and HAPI's {@code @Autowired} fields are filled as for HAPI's own).
 * Start-up fails when HAPI no longer defines the bean, so a HAPI upgrade cannot drop the replacement silently.
 */
public final class HapiBeanReplacement {

    private HapiBeanReplacement() {
    }

    /**
     * @param check what to look at in the new HAPI version when its bean is gone
     */
    public static BeanDefinitionRegistryPostProcessor replacing(String beanName, Class<?> ours, String check) {
        return registry -> {
            if (!registry.containsBeanDefinition(beanName)) {
                throw new IllegalStateException("HAPI no longer defines the bean " + beanName + ": " + check);
            }
            registry.removeBeanDefinition(beanName);
            registry.registerBeanDefinition(beanName, BeanDefinitionBuilder.genericBeanDefinition(ours)
                    .setAutowireMode(AbstractBeanDefinition.AUTOWIRE_CONSTRUCTOR).getBeanDefinition());
        };
    }
}
